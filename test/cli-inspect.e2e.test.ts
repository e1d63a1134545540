// `daffi inspect` (README: daffi inspect): the running system as a process of its own sees it — processes, callbacks with
// signatures, in flight, calls, rates, errors by code, edges — against a real controller (or NATS server) and nodes in processes of their own.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Topology } from "../runtime/observe/SystemView";
import { CLI, killAll, Spawned } from "./helpers/Spawned";
import { NatsServer } from "./helpers/NatsServer";
import { type CliOutcome, runCli } from "./helpers/runCli";
import { freePort, startController, tempSocketFolder } from "./helpers/system";

afterAll(killAll);

function daffiInspect(args: string[], env: Record<string, string> = {}): Promise<CliOutcome> {
  return runCli(["inspect", ...args], env);
}

/** The sample of an inspect that succeeded, from --json. */
async function topologyOf(args: string[], env: Record<string, string> = {}): Promise<Topology> {
  const outcome = await daffiInspect([...args, "--json"], env);
  expect({ code: outcome.code, stderr: outcome.stderr }).toEqual({ code: 0, stderr: [] });
  const lines = outcome.stdout.filter(Boolean);
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Topology;
}

/** The text output's lines, of an inspect that succeeded. */
async function textOf(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const outcome = await daffiInspect(args, env);
  expect({ code: outcome.code, stderr: outcome.stderr }).toEqual({ code: 0, stderr: [] });
  return outcome.stdout;
}

function processOf(topology: Topology, name: string) {
  const process = topology.processes.find((one) => one.name === name);
  expect(process).toBeDefined();
  return process!;
}

function callbackOf(topology: Topology, processName: string, name: string) {
  const callback = processOf(topology, processName).callbacks.find((one) => one.name === name);
  expect(callback).toBeDefined();
  return callback!;
}

/** A row of a callback table: its cells as the text shows them. */
function row(lines: string[], name: string): { signature: string; inFlight: number; queued: number; calls: number; rate: number; mean: string; errors: string } {
  const pattern = new RegExp(`^  ${name} +(.+?) +(\\d+) +(\\d+) +(\\d+) +(\\d+\\.\\d) +(\\d+\\.\\d+|-) +(.+)$`);
  const match = lines.map((line) => pattern.exec(line)).find(Boolean);
  expect(match).toBeTruthy();
  const [, signature, inFlight, queued, calls, rate, mean, errors] = match!;
  return { signature: signature!, inFlight: Number(inFlight), queued: Number(queued), calls: Number(calls), rate: Number(rate), mean: mean!, errors: errors! };
}

describe("daffi inspect through a controller", () => {
  let where: string[];

  beforeAll(async () => {
    const { connection } = await startController("unix");
    where = ["--unix-sock-path", connection.options.unixSockPath!];
    const peer = Spawned.script("test/fixtures/call-peer.js", { ...connection.env, DAFFI_NAME: "p1" });
    await peer.waitForLine(/^READY$/);
    // Each: one failing call, one long call in flight, then `add` every 20 ms, all the tests long. The second's name has control characters.
    const loader = Spawned.script("test/fixtures/steady-caller.js", { ...connection.env, DAFFI_NAME: "loader" });
    const odd = Spawned.script("test/fixtures/steady-caller.js", { ...connection.env, DAFFI_NAME: "odd\u001b[2J\nname" });
    await Promise.all([loader.waitForLine(/^READY$/), odd.waitForLine(/^READY$/)]);
  }, 30_000);

  it("prints each process with a table of its callbacks (signature, in flight, queued, calls, calls/s, mean ms, errors), then the edges", async () => {
    const lines = await textOf(where);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}3 processes, 2 edges, errors: REMOTE×2$/);
    expect(lines).toContain("loader");
    expect(lines).toContain("p1");
    expect(lines.slice(lines.indexOf("loader"), lines.indexOf("loader") + 2)).toEqual(["loader", "  no callbacks"]);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}callback +signature +in flight +queued +calls +calls\/s +mean ms +errors$/));
    const table = lines.slice(lines.indexOf("p1"));
    const add = row(table, "add");
    expect(add).toEqual({ signature: "(a: number, b: number): number", inFlight: expect.any(Number), queued: 0, calls: expect.any(Number), rate: expect.any(Number), mean: expect.stringMatching(/^\d/), errors: "-" });
    expect(add.calls).toBeGreaterThan(10);
    expect(add.rate).toBeGreaterThan(5); // about 50/s from the loader
    expect(row(table, "fail")).toMatchObject({ signature: "(message: string): never", calls: 2, rate: 0, errors: "REMOTE×2" });
    expect(row(table, "sleep")).toMatchObject({ signature: "(seconds: number): string", inFlight: 2, calls: 0, mean: "-", errors: "-" });
    expect(row(table, "count")).toMatchObject({ signature: "(end: number): AsyncIterable<{ i: number }>" });
    const edges = lines.slice(lines.indexOf("edges"));
    const edge = edges.map((line) => /^ {2}loader +→ p1 +(\d+) calls +(\d+\.\d)\/s$/.exec(line)).find(Boolean);
    expect(edge).toBeTruthy();
    expect(Number(edge![1])).toBeGreaterThan(10);
    expect(Number(edge![2])).toBeGreaterThan(5);
  });

  it("names from the wire are shown with their control characters escaped", async () => {
    const lines = await textOf(where);
    expect(lines).toContain("odd\\u001b[2J\\nname");
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}odd\\u001b\[2J\\nname → p1 +\d+ calls +[\d.]+\/s$/));
    expect(lines.join("\n")).not.toContain("\u001b");
  });

  it("--json: the same sample as one line of JSON (SystemView's Topology)", async () => {
    const topology = await topologyOf(where);
    expect(topology.processes.map((process) => process.name)).toEqual(["loader", "odd\u001b[2J\nname", "p1"]);
    expect(processOf(topology, "p1")).toMatchObject({ answered: true });
    const add = callbackOf(topology, "p1", "add");
    expect(add).toMatchObject({ signature: "add(a: number, b: number): number", errors: {} });
    expect(add.calls).toBeGreaterThan(10);
    expect(add.rate).toBeGreaterThan(5);
    expect(callbackOf(topology, "p1", "fail")).toMatchObject({ signature: "fail(message: string): never", calls: 2, errors: { REMOTE: 2 } });
    expect(callbackOf(topology, "p1", "sleep")).toMatchObject({ inFlight: 2, calls: 0 });
    const edge = topology.edges.find((one) => one.from === "loader" && one.to === "p1");
    expect(edge?.rate).toBeGreaterThan(5);
    expect(topology.edges.map((one) => `${one.from} → ${one.to}`)).toEqual(["loader → p1", "odd\u001b[2J\nname → p1"]);
    expect(topology.errors).toEqual({ REMOTE: 2 });
  });

  it("--watch prints a sample every --interval seconds until SIGTERM, then exits 0 (with --json: one line each)", async () => {
    for (const json of [false, true]) {
      const watch = new Spawned("daffi inspect --watch", [CLI, "inspect", ...where, "--watch", "--interval", "0.3", ...(json ? ["--json"] : [])]);
      const first = json ? /^\{"at":/ : / 3 processes, /;
      await watch.waitForLine(first);
      const samples = () => watch.stdout.filter((line) => first.test(line)).length;
      const started = Date.now();
      while (samples() < 2 && Date.now() - started < 10_000) await new Promise((resolve) => setTimeout(resolve, 100));
      watch.kill("SIGTERM");
      expect(await watch.waitForExit(5000)).toEqual({ code: 0, signal: null });
      expect(samples()).toBeGreaterThanOrEqual(2);
      if (json) {
        const lines = watch.stdout.filter(Boolean);
        expect(lines.every((line) => Array.isArray((JSON.parse(line) as Topology).processes))).toBe(true);
      } else {
        // Not a terminal: no screen clearing, a blank line between samples.
        expect(watch.stdout.join("\n")).not.toContain("\u001b[2J");
        const starts = watch.stdout.flatMap((line, i) => (first.test(line) ? [i] : []));
        expect(starts[0]).toBe(0);
        expect(starts.slice(1).map((i) => watch.stdout[i - 1])).toEqual(starts.slice(1).map(() => ""));
      }
    }
  });
});

describe("daffi inspect to a controller with auth (README: Security)", () => {
  let where: string[];
  const tokens = { PEER_TOKEN: randomBytes(16).toString("hex"), OPS_TOKEN: randomBytes(16).toString("hex"), BLIND_TOKEN: randomBytes(16).toString("hex") };

  beforeAll(async () => {
    const folder = tempSocketFolder();
    const authFile = path.join(folder, "auth.json");
    fs.writeFileSync(
      authFile,
      JSON.stringify({
        identities: {
          peer: { token: "env:PEER_TOKEN", processNames: ["a1", "loader"], serve: ["*"], call: ["*"] },
          ops: { token: "env:OPS_TOKEN", processNames: ["daffi-inspect-*"], serve: [], call: ["__daffi.stats", "add"] },
          blind: { token: "env:BLIND_TOKEN", processNames: ["daffi-inspect-*"], serve: [], call: ["add"] },
        },
      }),
    );
    const controller = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder, "--auth", authFile], tokens);
    await controller.waitForLine(/Controller has been started successfully/);
    const env = { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_TOKEN: tokens.PEER_TOKEN };
    const peer = Spawned.script("test/fixtures/call-peer.js", { ...env, DAFFI_NAME: "a1" });
    await peer.waitForLine(/^READY$/);
    await Spawned.script("test/fixtures/steady-caller.js", { ...env, DAFFI_NAME: "loader" }).waitForLine(/^READY$/);
    where = ["--unix-sock-path", folder, "--connect-timeout", "3"];
  }, 30_000);

  it("with __daffi.stats in its call rules it reads the figures, and the signatures of what it may call", async () => {
    const topology = await topologyOf([...where, "--token", tokens.OPS_TOKEN]);
    expect(processOf(topology, "a1")).toMatchObject({ answered: true });
    expect(callbackOf(topology, "a1", "add")).toMatchObject({ signature: "add(a: number, b: number): number" });
    expect(callbackOf(topology, "a1", "add").calls).toBeGreaterThan(0);
    // It may not call `fail`: its figures are there, its signature is not.
    expect(callbackOf(topology, "a1", "fail")).toMatchObject({ calls: 1, errors: { REMOTE: 1 } });
    expect(callbackOf(topology, "a1", "fail").signature).toBeUndefined();
    const lines = await textOf([...where], { DAFFI_TOKEN: tokens.OPS_TOKEN });
    expect(row(lines.slice(lines.indexOf("a1")), "fail")).toMatchObject({ signature: "-", errors: "REMOTE×1" });
  });

  it("without it, each process is shown with its refusal, and the command still succeeds", async () => {
    const topology = await topologyOf([...where, "--token", tokens.BLIND_TOKEN]);
    expect(processOf(topology, "a1")).toMatchObject({ answered: false, error: expect.stringMatching(/^PERMISSION_DENIED: .*__daffi\.stats/) });
    expect(callbackOf(topology, "a1", "add").signature).toBe("add(a: number, b: number): number");
    const lines = await textOf([...where, "--token", tokens.BLIND_TOKEN]);
    expect(lines).toContainEqual(expect.stringMatching(/^a1 {2}did not answer: PERMISSION_DENIED: .*__daffi\.stats/));
    expect(lines[0]).toMatch(/2 did not answer$/);
    // Its callbacks still listed, with the signatures it may read; the figures it could not: "-".
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}add +\(a: number, b: number\): number +- +- +- +- +- +-$/));
  });

  it("with no token, the controller refuses the tool itself: PERMISSION_DENIED, exit code 1", async () => {
    const outcome = await daffiInspect(where);
    expect({ code: outcome.code, stderr: outcome.stderr }).toEqual({ code: 1, stderr: [expect.stringMatching(/^PERMISSION_DENIED: /)] });
  });
});

describe("daffi inspect with no controller to reach", () => {
  it("says so within --connect-timeout (exit code 1), and does not hang", async () => {
    const { code, stdout, stderr, took } = await daffiInspect(["--unix-sock-path", tempSocketFolder(), "--connect-timeout", "1"]);
    expect({ code, stdout: stdout.filter(Boolean) }).toEqual({ code: 1, stdout: [] });
    expect(stderr).toEqual([expect.stringMatching(/^TIMEOUT: no controller answered within 1s \(last error: no controller listens on .*\.sock yet\)$/)]);
    expect(took).toBeLessThan(6000);
  });
});

describe("daffi inspect: a command line it cannot run", () => {
  it.each([
    [["--interval", "0"], 'daffi inspect: --interval must be a positive number of seconds, got "0"'],
    [["p1"], "daffi inspect: unexpected argument 'p1'"],
    [["--jsno"], "daffi inspect: unknown option '--jsno' (did you mean '--json'?)"],
    [["--nats", "nats://127.0.0.1:4222", "--port", "1"], "daffi inspect: --port is a flag of the link to a controller, not of --nats"],
    [["--unix-sock-path", "/tmp", "--host", "h"], "daffi inspect: --unix-sock-path or --host/--port, not both"],
  ])("%j: says what is wrong, then the usage, on stderr; exit code 2", async (args, message) => {
    const { code, stdout, stderr } = await daffiInspect(args);
    expect({ code, stdout: stdout.filter(Boolean), first: stderr[0] }).toEqual({ code: 2, stdout: [], first: message });
    expect(stderr.join("\n")).toContain("usage: daffi inspect");
  });
});

describe("daffi inspect on NATS", () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await NatsServer.start();
    await Spawned.script("test/fixtures/call-peer.js", { DAFFI_NATS: server.url, DAFFI_NAME: "n1" }).waitForLine(/^READY$/, 20_000);
    await Spawned.script("test/fixtures/steady-caller.js", { DAFFI_NATS: server.url, DAFFI_NAME: "nloader" }).waitForLine(/^READY$/, 20_000);
  }, 30_000);
  afterAll(() => server?.kill());

  it("--nats URL: the processes, their signatures, rates and edges, with no controller", async () => {
    const topology = await topologyOf(["--nats", server.url]);
    expect(topology.processes.map((process) => process.name)).toEqual(["n1", "nloader"]);
    expect(callbackOf(topology, "n1", "add")).toMatchObject({ signature: "add(a: number, b: number): number" });
    expect(callbackOf(topology, "n1", "add").rate).toBeGreaterThan(5);
    expect(callbackOf(topology, "n1", "fail").errors).toEqual({ REMOTE: 1 });
    expect(topology.edges.find((edge) => edge.from === "nloader" && edge.to === "n1")?.rate).toBeGreaterThan(5);
  });
});

describe("daffi inspect against a spec example (03-readme-v1: getting started, proc1 runs the controller on TCP)", () => {
  it("shows proc1 and proc2, their callbacks with signatures, and the calls between them", async () => {
    const port = String(await freePort());
    const env = { DAFFI_HOST: "localhost", DAFFI_PORT: port };
    const process1 = Spawned.script("examples/getting-started/process1.js", env);
    await process1.waitForLine(/Controller has been started successfully/);
    Spawned.script("examples/getting-started/process2.js", env);
    await process1.waitForLine(/^Calculated delta = 7$/, 20_000);
    const topology = await topologyOf(["--host", "localhost", "--port", port]);
    expect(topology.processes.map((process) => process.name)).toEqual(["proc1", "proc2"]);
    expect(callbackOf(topology, "proc1", "func3")).toMatchObject({ signature: "func3(a: number, b: number): number" });
    expect(callbackOf(topology, "proc2", "func1")).toMatchObject({ signature: "func1(a: number, b: number): number" });
    expect(callbackOf(topology, "proc2", "func2")).toMatchObject({ signature: "func2(): void" });
    expect(callbackOf(topology, "proc2", "func1").calls).toBeGreaterThan(0);
    expect(topology.edges).toContainEqual(expect.objectContaining({ from: "proc1", to: "proc2" }));
    expect(topology.edges).toContainEqual(expect.objectContaining({ from: "proc2", to: "proc1" }));
  }, 30_000);
});
