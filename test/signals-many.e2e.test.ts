// handleSignals with two Globals in one process: a signal stops both, and the process exits only once
// both have stopped — an idle one stopping first does not cut the other's call in flight.
import { afterAll, describe, expect, it } from "@jest/globals";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Global } from "../runtime";
import { settled } from "./helpers/settled";
import { DIST, killAll, Spawned } from "./helpers/Spawned";
import { startController } from "./helpers/system";

afterAll(killAll);

const RUNTIME = path.join(DIST, "runtime");

function script(source: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "daffi-test-")), "main.js");
  fs.writeFileSync(file, source);
  return file;
}

describe("handleSignals", () => {
  it("two Globals with handleSignals: the idle one's stop does not cut the busy one's call in flight", async () => {
    const one = await startController("unix");
    const two = await startController("unix");
    const file = script(`
      const { callback, Global } = require(${JSON.stringify(RUNTIME)});
      callback(async function slowly(ms) { await new Promise((r) => setTimeout(r, ms)); return "finished"; });
      (async () => {
        await Global.start({ processName: "idle", unixSockPath: process.env.F1, handleSignals: true, logLevel: "silent" });
        await Global.start({ processName: "busy", unixSockPath: process.env.F2, handleSignals: true, logLevel: "silent" });
        console.log("READY");
      })();
    `);
    const node = new Spawned("two-globals", [file], { F1: one.connection.options.unixSockPath, F2: two.connection.options.unixSockPath, DAFFI_LOG_LEVEL: "silent" });
    await node.waitForLine(/^READY$/);
    const g = await Global.start({ ...two.connection.options, logLevel: "silent" });
    const started = Date.now();
    const call = settled(g.call.slowly(2500));
    await new Promise((resolve) => setTimeout(resolve, 200));
    node.kill("SIGTERM");
    const result = await call;
    const exit = await node.waitForExit();
    await g.stop();
    // Expected: the busy Global drains its call (stop waits up to 5 s), then exit 0.
    expect({ result: result instanceof Error ? `${result.name}: ${result.message}` : result, exit, elapsedAtLeast2500: Date.now() - started >= 2500 }).toEqual({
      result: "finished",
      exit: { code: 0, signal: null },
      elapsedAtLeast2500: true,
    });
  }, 30_000);
});
