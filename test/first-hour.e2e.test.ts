// A new user's first hour, replayed in a fresh folder: the README's install lines (the packed daffi for
// `daffi`, everything else from the npm registry) with no C++ toolchain on the PATH, the README's
// tsconfig, a service and a client, a wrong call, Ctrl-C; CommonJS and ESM. Then the same compiled
// service on a production-only install (`npm prune --omit=dev`): no TypeScript, no typia.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { killAll, Spawned } from "./helpers/Spawned";
import { tempSocketFolder } from "./helpers/system";
import { freshProject, packDaffi, readmeBlock } from "./helpers/userProject";

afterAll(killAll);

const CALCULATOR = `
export interface Calculator {
  calculateSum(...numbers: number[]): number;
}
`;

const SERVICE = `
import { Callback, Global } from "daffi";
import type { Calculator } from "./calculator.js";

export class CalculatorService extends Callback implements Calculator {
  static autoInit = true;
  calculateSum(...numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0);
  }
}

void Global.start({ initController: true, processName: "service", unixSockPath: process.env.SOCKET_FOLDER, handleSignals: true }).then(() => console.log("serving"));
`;

const CLIENT = `
import { Fetcher, Global, ValidationError } from "daffi";
import type { Calculator } from "./calculator.js";

class CalculatorClient extends Fetcher<Calculator> {}

async function main(): Promise<void> {
  const g = await Global.start({ processName: "client", unixSockPath: process.env.SOCKET_FOLDER });
  const calculator = new CalculatorClient();
  console.log("sum", await calculator.calculateSum(1, 2));
  try {
    await (calculator.calculateSum as (...numbers: unknown[]) => Promise<number>)(1, "2");
  } catch (error) {
    if (error instanceof ValidationError) console.log("refused", error.path, error.expected);
    else console.log("unexpected", String(error));
  }
  await g.stop();
}
void main();
`;

/** A folder with node, npm, npx and sh only: a PATH without make, a C++ compiler or python. */
function toolsWithoutCompiler(): string {
  const tools = fs.mkdtempSync(path.join(os.tmpdir(), "daffi-tools-"));
  const npmCli = fs.realpathSync(execFileSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).trim());
  fs.symlinkSync(process.execPath, path.join(tools, "node"));
  fs.symlinkSync(npmCli, path.join(tools, "npm"));
  fs.symlinkSync(path.join(path.dirname(npmCli), "npx-cli.js"), path.join(tools, "npx"));
  fs.symlinkSync("/bin/sh", path.join(tools, "sh"));
  return tools;
}

/** Kilobytes on disk of a folder (du -sk). */
function diskKilobytes(folder: string): number {
  return Number(execFileSync("du", ["-sk", folder], { encoding: "utf8" }).split("\t")[0]);
}

let tarball: string;
let tools: string;

beforeAll(() => {
  tarball = packDaffi(fs.mkdtempSync(path.join(os.tmpdir(), "daffi-pack-")));
  tools = toolsWithoutCompiler();
});

/** Runs a shell command line of the README in the project, `daffi` standing for the packed tarball. */
function run(project: string, commandLine: string): string {
  const [command, ...args] = commandLine.replace(/#.*$/, "").trim().split(/\s+/).map((word) => (word === "daffi" ? tarball : word));
  try {
    return execFileSync(command!, [...args, ...(command === "npm" ? ["--no-audit", "--no-fund"] : [])], {
      cwd: project,
      encoding: "utf8",
      stdio: "pipe",
      env: { HOME: process.env.HOME, PATH: tools, npm_config_cache: process.env.npm_config_cache },
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${commandLine} failed:\n${stdout ?? ""}${stderr ?? String(error)}`);
  }
}

/** The service runs with handleSignals; the client's right call is answered, its wrong call refused; Ctrl-C stops the service cleanly. */
async function serviceAndClient(project: string): Promise<void> {
  const folder = tempSocketFolder();
  const env = { SOCKET_FOLDER: folder };
  const service = new Spawned("service", [path.join(project, "out", "service.js")], env);
  await service.waitForLine(/^serving$/, 20_000);
  const client = new Spawned("client", [path.join(project, "out", "client.js")], env);
  await client.succeeds(20_000);
  expect(client.stdout.filter((line) => !line.includes(" | "))).toEqual(["sum 3", "refused $input[1] number"]);
  expect(fs.existsSync(path.join(folder, ".sock"))).toBe(true);
  service.kill("SIGINT");
  expect(await service.waitForExit(20_000)).toEqual({ code: 0, signal: null });
  expect(fs.existsSync(path.join(folder, ".sock"))).toBe(false);
  expect(service.output()).not.toMatch(/without the daffi transformer|ERROR/);
}

describe("a new user's first hour", () => {
  it.each(["commonjs", "module"] as const)(
    "%s: the README's install lines, tsconfig, a service and a client, a wrong call, Ctrl-C; then a production-only install runs it",
    async (type) => {
      const project = freshProject("daffi-first-hour-", type);
      const [install, devInstall, ...more] = readmeBlock("install", "bash").trim().split("\n");
      expect(more).toEqual([]);

      // `npm i daffi`: what a service needs, small, and cbor-x's native part from a prebuilt package (nothing compiled).
      run(project, install!);
      const modules = path.join(project, "node_modules");
      expect(diskKilobytes(modules)).toBeLessThanOrEqual(25 * 1024);
      for (const compileTime of ["typescript", "typia", "@typia/core", "ts-patch"]) expect(fs.existsSync(path.join(modules, compileTime))).toBe(false);
      expect(fs.existsSync(path.join(modules, "cbor-extract", "build"))).toBe(false);
      expect(run(project, `node -p typeof(require("cbor-extract").extractStrings)`).trim()).toBe("function"); // the native part loads

      // The dev tools, the README's tsconfig, the sources, `npx tspc`.
      run(project, devInstall!);
      fs.writeFileSync(path.join(project, "tsconfig.json"), readmeBlock("tsconfig", "json"));
      fs.mkdirSync(path.join(project, "src"));
      fs.writeFileSync(path.join(project, "src", "calculator.ts"), CALCULATOR);
      fs.writeFileSync(path.join(project, "src", "service.ts"), SERVICE);
      fs.writeFileSync(path.join(project, "src", "client.ts"), CLIENT);
      run(project, "npx tspc -p tsconfig.json");
      expect(/^import |\nimport /.test(fs.readFileSync(path.join(project, "out", "service.js"), "utf8"))).toBe(type === "module");
      await serviceAndClient(project);

      // Production only: the compiled service and client still run, validators and all.
      run(project, "npm prune --omit=dev");
      for (const compileTime of ["typescript", "@typia/core", "ts-patch"]) expect(fs.existsSync(path.join(modules, compileTime))).toBe(false);
      await serviceAndClient(project);
    },
    180_000,
  );
});
