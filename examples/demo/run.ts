// `npm run demo`: a stand-alone controller and two nodes, three processes on the default UNIX socket.
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";

const cli = path.join(__dirname, "..", "..", "runtime", "cli", "daffi.js");

function start(name: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split("\n")
      .filter((line) => line.length > 0)
      .map((line) => `[${name}] ${line}\n`)
      .join("");
  child.stdout?.on("data", (chunk: Buffer) => process.stdout.write(prefix(chunk)));
  child.stderr?.on("data", (chunk: Buffer) => process.stdout.write(prefix(chunk)));
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<number>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once("close", (code) => resolve(code ?? 1))));

async function main(): Promise<number> {
  const controller = start("controller", [cli, "controller"]);
  await new Promise<void>((resolve, reject) => {
    controller.stderr?.on("data", (chunk: Buffer) => chunk.toString().includes("Controller has been started") && resolve());
    controller.once("exit", () => reject(new Error("the controller exited early (is another one running on the default socket?)")));
  });
  const nodes = [start("alice", [path.join(__dirname, "alice.js")]), start("bob", [path.join(__dirname, "bob.js")])];
  const guard = setTimeout(() => nodes.forEach((node) => node.kill()), 30_000);
  const codes = await Promise.all(nodes.map(exited));
  clearTimeout(guard);
  controller.kill("SIGTERM");
  const controllerCode = await exited(controller);
  return codes.every((code) => code === 0) && controllerCode === 0 ? 0 : 1;
}

main().then(
  (code) => {
    console.log(code === 0 ? "demo finished: calls went both ways" : "demo failed");
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
