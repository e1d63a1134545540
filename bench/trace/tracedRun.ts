// One traced fg_seq run of daffi and of the raw baseline, in fresh processes:
// every process marks the messages it encodes and decodes, and hops() lays out the call's path.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CLI, DIST, Spawned } from "../../test/helpers/Spawned";
import type { Transport } from "../systems";
import { hops, type Segment } from "./hops";

const PRELOAD = ["-r", path.join(DIST, "bench", "trace", "preload.js")];
const script = (relativePath: string) => path.join(DIST, relativePath);

async function stop(...children: Spawned[]): Promise<void> {
  for (const child of children) child.kill("SIGTERM"); // the marks are written at exit
  await Promise.all(children.map((child) => child.exited));
}

export async function tracedFgSeq(transport: Transport, seconds: number): Promise<{ daffi: Segment[]; raw: Segment[] }> {
  const daffiMarks = fs.mkdtempSync(path.join(os.tmpdir(), "daffi-trace-"));
  const rawMarks = fs.mkdtempSync(path.join(os.tmpdir(), "daffi-trace-raw-"));
  const sockets = fs.mkdtempSync(path.join(os.tmpdir(), "daffi-trace-sock-"));
  const traced = (folder: string, role: string) => ({ DAFFI_BENCH_TRACE: folder, DAFFI_BENCH_ROLE: role });
  const address = transport === "unix" ? ["--unix-sock-path", sockets] : ["--host", "127.0.0.1", "--port", "0"];
  const controller = new Spawned("controller", [...PRELOAD, CLI, "controller", ...address], traced(daffiMarks, "controller"));
  const [, port] = await controller.waitForLine(/Controller has been started.*?(?:port: (\d+) \]|$)/);
  const env: Record<string, string> = transport === "unix" ? { DAFFI_UNIX_SOCK_PATH: sockets } : { DAFFI_HOST: "127.0.0.1", DAFFI_PORT: port! };
  const executor = new Spawned("executor", [...PRELOAD, script("bench/daffi-worker.js")], { ...env, DAFFI_NAME: "executor", ...traced(daffiMarks, "executor") });
  await executor.waitForLine(/^READY$/);
  await new Spawned("caller", [...PRELOAD, script("bench/daffi-client.js"), "fg_seq", String(seconds)], { ...env, ...traced(daffiMarks, "caller") }).succeeds(60_000);
  await stop(executor, controller);

  const server = new Spawned("server", [script("bench/raw-server.js"), transport === "unix" ? `unix:${path.join(sockets, "raw.sock")}` : "127.0.0.1:0"], traced(rawMarks, "server"));
  const [, rawPort] = await server.waitForLine(/^READY (\d+)$/);
  const target = transport === "unix" ? `unix:${path.join(sockets, "raw.sock")}` : `127.0.0.1:${rawPort}`;
  await new Spawned("client", [script("bench/raw-client.js"), target, "fg_seq", String(seconds)], traced(rawMarks, "client")).succeeds(60_000);
  await stop(server);

  const skip = Math.min(1, seconds / 2); // past the warm-up
  return { daffi: hops(daffiMarks, "caller", skip), raw: hops(rawMarks, "client", skip) };
}
