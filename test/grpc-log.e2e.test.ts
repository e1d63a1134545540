// grpc-js's logs through daffi's (runtime/log/grpcLog.ts), unless the program set grpc-js up itself. grpc-js's own log calls are emitted through its
// internal logging.log(), exactly as grpc-js does for its errors and traces.
import { afterAll, describe, expect, it } from "@jest/globals";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DIST, killAll, Spawned } from "./helpers/Spawned";

afterAll(killAll);

const RUNTIME = path.join(DIST, "runtime");
const GRPC = path.dirname(require.resolve("@grpc/grpc-js/package.json"));

function run(source: string, env: Record<string, string | undefined> = {}): Spawned {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "daffi-test-")), "main.js");
  fs.writeFileSync(file, `const RUNTIME = ${JSON.stringify(RUNTIME)}; const GRPC = ${JSON.stringify(GRPC)};\n${source}`);
  return new Spawned("grpclog", [file], { GRPC_TRACE: undefined, GRPC_VERBOSITY: undefined, GRPC_NODE_VERBOSITY: undefined, DAFFI_LOG_LEVEL: undefined, ...env });
}

const controllerOnly = `{ initController: true, initNode: false, host: "127.0.0.1", port: 0 }`;

describe("grpc-js logs through daffi", () => {
  it("GRPC_TRACE=all GRPC_VERBOSITY=DEBUG (grpc-js's documented way to debug it) still prints grpc-js's traces", async () => {
    const env = { GRPC_TRACE: "all", GRPC_VERBOSITY: "DEBUG" };
    // Baseline: grpc-js alone prints its traces.
    const plain = run(`const grpc = require(GRPC); const s = new grpc.Server(); s.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), () => s.tryShutdown(() => console.log("DONE")));`, env);
    await plain.succeeds();
    const plainTraces = plain.stderr.filter((line) => / \| server/.test(line)).length;
    const daffi = run(`require(RUNTIME).Global.start(${controllerOnly}).then((g) => g.stop()).then(() => console.log("DONE"));`, env);
    await daffi.succeeds();
    const daffiTraces = daffi.stderr.filter((line) => /grpc-js: .*server/.test(line) || / \| server/.test(line)).length;
    expect(plainTraces).toBeGreaterThan(0);
    expect(daffiTraces).toBeGreaterThan(0);
  });

  it("GRPC_NODE_VERBOSITY=DEBUG (grpc-js's other variable) is not overridden to ERROR", async () => {
    const p = run(
      `const grpc = require(GRPC); const logging = require(GRPC + "/build/src/logging");
       require(RUNTIME).Global.start({ ...${controllerOnly}, logLevel: "debug" }).then(async (g) => { logging.log(grpc.logVerbosity.DEBUG, "a debug line asked for"); await g.stop(); });`,
      { GRPC_NODE_VERBOSITY: "DEBUG" },
    );
    await p.succeeds();
    expect(p.stderr.some((line) => line.includes("a debug line asked for"))).toBe(true);
  });

  it("a logger the program gave grpc-js itself (grpc.setLogger) is not replaced by creating a Global", async () => {
    const p = run(
      `const grpc = require(GRPC); const logging = require(GRPC + "/build/src/logging");
       const mine = []; grpc.setLogger({ error: (...a) => mine.push(a.join(" ")), info: (...a) => mine.push(a.join(" ")), debug: () => {} });
       require(RUNTIME).Global.start({ ...${controllerOnly}, logLevel: "silent" }).then(async (g) => {
         logging.log(grpc.logVerbosity.ERROR, "an error of the program's own grpc client");
         console.log(JSON.stringify(mine)); await g.stop(); });`,
    );
    await p.succeeds();
    expect(JSON.parse(p.stdout[0]!)).toEqual([expect.stringContaining("an error of the program's own grpc client")]);
  });

  it("a later, stopped, silent Global does not keep silencing grpc-js errors of the running one", async () => {
    const p = run(
      `const grpc = require(GRPC); const logging = require(GRPC + "/build/src/logging"); const { Global } = require(RUNTIME);
       (async () => {
         const main = await Global.start({ processName: "main", initController: true, host: "127.0.0.1", port: 0 });
         const probe = await Global.start({ processName: "probe", host: "127.0.0.1", port: main.port, logLevel: "silent" });
         await probe.stop();
         logging.log(grpc.logVerbosity.ERROR, "grpc error while main runs");
         await main.stop();
       })();`,
    );
    await p.succeeds();
    expect(p.stderr.filter((line) => line.includes("grpc error while main runs"))).toEqual([expect.stringMatching(/\| node\[main\] \|/)]);
  });

  it("logLevel 'error' still shows grpc-js's errors", async () => {
    const p = run(
      `const grpc = require(GRPC); const logging = require(GRPC + "/build/src/logging");
       require(RUNTIME).Global.start({ ...${controllerOnly}, logLevel: "error" }).then(async (g) => { logging.log(grpc.logVerbosity.ERROR, "a grpc-js error"); await g.stop(); });`,
    );
    await p.succeeds();
    expect(p.stderr.filter((line) => line.includes("a grpc-js error"))).toEqual([expect.stringMatching(/^ERROR: /)]);
  });
});
