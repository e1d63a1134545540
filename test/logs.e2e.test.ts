// Logs that fit a service's own logging: logFormat "json" (one object per line) and a logger of the program's own.
import { afterAll, describe, expect, it } from "@jest/globals";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigurationError, Global, type LogFields } from "../runtime";
import { CLI, DIST, killAll, Spawned } from "./helpers/Spawned";
import { tempSocketFolder } from "./helpers/system";
import { eventually } from "./helpers/eventually";

afterAll(killAll);

const RUNTIME = path.join(DIST, "runtime");

function script(source: string, env: Record<string, string | undefined> = {}): Spawned {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "daffi-test-")), "main.js");
  fs.writeFileSync(file, `const daffi = require(${JSON.stringify(RUNTIME)});\n${source}`);
  return new Spawned("logs", [file], { DAFFI_LOG_LEVEL: undefined, DAFFI_LOG_FORMAT: undefined, ...env });
}

function records(lines: string[]): Array<Record<string, unknown>> {
  return lines.filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("logFormat: json", () => {
  it("writes one JSON object per line with time, level, component, process, message, and structured fields", async () => {
    const folder = tempSocketFolder();
    const controller = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder, "--log-format", "json", "--process-name", "hub"]);
    await controller.waitForLine(/Controller has been started successfully/);
    const node = script(
      `daffi.callback("explode", () => { throw new Error("boom\\nINFO: forged line"); });
       daffi.Global.start({ processName: "worker", unixSockPath: ${JSON.stringify(folder)}, logFormat: "json" }).then(() => console.log("READY"));`,
    );
    await node.waitForLine(/^READY$/);
    const g = await Global.start({ processName: "caller", unixSockPath: folder, logLevel: "silent" });
    try {
      await g.call.explode().noReturn();
      await node.waitForLine(/NO_RETURN/);
      const lines = node.stderr.filter((line) => line.trim() !== "");
      // Every line is one JSON object: a newline in a message cannot forge a line.
      const parsed = records(lines);
      for (const record of parsed) {
        expect(Object.keys(record).slice(0, 5)).toEqual(["time", "level", "component", "process", "message"]);
        expect(Number.isNaN(Date.parse(record.time as string))).toBe(false);
        expect(record.process).toMatch(/^(worker|pid \d+)$/); // "pid …": said before the Global had a name
      }
      // Said before any Global existed (daffi.callback without the transformer), in the Global's format.
      expect(parsed.find((record) => /without the daffi transformer/.test(record.message as string))).toMatchObject({ level: "warn", process: `pid ${node.pid}` });
      expect(parsed.find((record) => /has been connected to Controller/.test(record.message as string))).toMatchObject({ level: "info", component: "node" });
      const failure = parsed.find((record) => /NO_RETURN/.test(record.message as string));
      expect(failure).toMatchObject({ level: "warn", component: "node", callback: "explode", caller: "caller", code: "REMOTE" });
      expect(failure!.message).toContain("boom\\nINFO: forged line");
      // The controller's lines too, with the node it saw as a field.
      await controller.waitForLine(/"node":"caller"/);
      const connected = records(controller.stderr).find((record) => record.node === "caller");
      expect(connected).toMatchObject({ level: "info", component: "controller", process: "hub", message: "Node 'caller' has been connected to Controller" });
    } finally {
      await g.stop();
      node.kill();
      controller.kill();
    }
  });

  it("DAFFI_LOG_FORMAT=json does the same without a code change; the text format stays the default", async () => {
    const source = `daffi.Global.start({ initController: true, initNode: false, unixSockPath: require("fs").mkdtempSync(require("os").tmpdir() + "/daffi-test-") }).then((g) => g.stop()).then(() => console.log("DONE"));`;
    const json = script(source, { DAFFI_LOG_FORMAT: "json" });
    await json.succeeds();
    expect(records(json.stderr).map((record) => record.message)).toEqual(expect.arrayContaining(["Controller stopped."]));
    const text = script(source);
    await text.succeeds();
    expect(text.stderr.find((line) => /Controller stopped/.test(line))).toMatch(/^INFO: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \| controller\[0x[0-9a-f]{8}\] \| Controller stopped\.$/);
  });
});

describe("logger: the program's own", () => {
  it("gets every record as (message, fields) at daffi's level, and nothing goes to stderr", async () => {
    const got: Array<[string, string, LogFields]> = [];
    const logger = {
      debug: (message: string, fields: LogFields) => got.push(["debug", message, fields]),
      info: (message: string, fields: LogFields) => got.push(["info", message, fields]),
      warn: (message: string, fields: LogFields) => got.push(["warn", message, fields]),
      error: (message: string, fields: LogFields) => got.push(["error", message, fields]),
    };
    const write = jestSpyStderr();
    const folder = tempSocketFolder();
    const g = await Global.start({ processName: "own-logger", initController: true, unixSockPath: folder, logger });
    try {
      await eventually(() => got.some(([, message]) => /has been connected to Controller/.test(message)), 5000, "the node's connected line");
      expect(got.find(([, message]) => /Controller has been started/.test(message))).toEqual(["info", expect.any(String), { component: "controller", process: "own-logger" }]);
      expect(got.every(([level]) => level !== "debug")).toBe(true);
    } finally {
      await g.stop();
      write.restore();
    }
    expect(write.lines.filter((line) => /own-logger/.test(line))).toEqual([]);
  });

  it("a logger that throws does not break daffi", async () => {
    const broken = { debug: () => undefined, info: () => { throw new Error("logger down"); }, warn: () => undefined, error: () => undefined };
    const g = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), logger: broken });
    await g.stop();
  });

  it("refuses what is not a logger, and a format or level it does not know", () => {
    expect(() => new Global({ logger: { info: () => undefined } as never })).toThrow(ConfigurationError);
    expect(() => new Global({ logger: { info: () => undefined } as never })).toThrow(/logger must be an object with debug, info, warn and error functions/);
    expect(() => new Global({ logFormat: "xml" as never })).toThrow(/logFormat must be "text" or "json", got "xml"/);
    expect(() => new Global({ logLevel: "verbose" as never })).toThrow(/logLevel must be "debug", "info", "warn", "error" or "silent", got "verbose"/);
  });

  it("daffi controller --log-format refuses what it does not know (exit 2)", async () => {
    const cli = new Spawned("cli", [CLI, "controller", "--log-format", "yaml"]);
    const exit = await cli.waitForExit();
    expect(exit.code).toBe(2);
    expect(cli.stderr.join("\n")).toMatch(/--log-format must be text or json, got "yaml"/);
  });
});

/** What this process writes to stderr meanwhile (still written). */
function jestSpyStderr(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(String(chunk));
    return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  return { lines, restore: () => (process.stderr.write = original) };
}
