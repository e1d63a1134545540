// `daffi call` (README: daffi call): one call from the command line, run as a process of its own against
// a real controller (or NATS server) and nodes in processes of their own; its stdout, stderr and exit code.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { CLI, killAll, Spawned } from "./helpers/Spawned";
import { NatsServer } from "./helpers/NatsServer";
import { type CliOutcome, runCli } from "./helpers/runCli";
import { freePort, startController, tempSocketFolder } from "./helpers/system";

afterAll(killAll);

async function daffiCall(...args: string[]): Promise<CliOutcome> {
  const outcome = await runCli(["call", ...args]);
  return { ...outcome, stdout: outcome.stdout.filter(Boolean) };
}

/** The outcome of a call that succeeded: its stdout lines, parsed. */
function printed(outcome: CliOutcome): unknown[] {
  expect({ code: outcome.code, stderr: outcome.stderr }).toEqual({ code: 0, stderr: [] });
  return outcome.stdout.map((line) => JSON.parse(line) as unknown);
}

describe("daffi call through a controller", () => {
  let where: string[];
  const peers: Spawned[] = [];
  const call = (...args: string[]) => daffiCall(...where, ...args);

  beforeAll(async () => {
    const { connection } = await startController("unix");
    where = ["--unix-sock-path", connection.options.unixSockPath!];
    peers.push(...["p1", "p2"].map((name) => Spawned.script("test/fixtures/call-peer.js", { ...connection.env, DAFFI_NAME: name })));
    await Promise.all(peers.map((peer) => peer.waitForLine(/^READY$/)));
  }, 30_000);

  it("calls with each positional argument parsed as JSON, and prints the result as one line of JSON", async () => {
    const [sum, greeting, nothing] = await Promise.all([call("add", "1", "2"), call("greet", '{"name":"bob"}'), call("nothing")]);
    expect(printed(sum)).toEqual([3]);
    expect(greeting.stdout).toEqual(['"hello, bob"']);
    expect(nothing.stdout).toEqual(["null"]); // undefined
  });

  it("--metadata KEY=VALUE (repeated) reaches the callback's currentCall().metadata", async () => {
    expect(printed(await call("metadata", "--metadata", "request-id=r-1", "--metadata", "filter=a=b"))).toEqual([{ "request-id": "r-1", filter: "a=b" }]);
  });

  it("--process pins the call to one of two providers", async () => {
    const outcomes = await Promise.all(["p1", "p2", "p1", "p2", "p1", "p2"].map((process) => call("whoami", "--process", process)));
    expect(outcomes.map((outcome) => printed(outcome)[0])).toEqual(["p1", "p2", "p1", "p2", "p1", "p2"]);
    const bg = await call("whoami", "--process", "p2", "--bg");
    expect(printed(bg)).toEqual(["p2"]);
    const nobody = await call("whoami", "--process", "nobody");
    expect({ code: nobody.code, stderr: nobody.stderr }).toEqual({ code: 1, stderr: ["NODE_DISCONNECTED: process 'nobody' is not connected"] });
  });

  it("--broadcast prints every provider's result by process, as one JSON object", async () => {
    expect(printed(await call("whoami", "--broadcast", "--timeout", "5"))).toEqual([{ p1: "p1", p2: "p2" }]);
    // A process that failed has its error in the object; each failure is said on stderr, exit code 1.
    const failing = await call("fail", '"closed"', "--broadcast");
    const error = { $error: { code: "REMOTE", name: "TypeError", message: "closed" } };
    expect({ code: failing.code, stdout: failing.stdout.map((line) => JSON.parse(line) as unknown) }).toEqual({ code: 1, stdout: [{ p1: error, p2: error }] });
    expect([...failing.stderr].sort()).toEqual(["REMOTE: TypeError: closed (in process 'p1')", "REMOTE: TypeError: closed (in process 'p2')"]);
  });

  it("--bg sends the call as BG and prints its result once it came", async () => {
    expect(printed(await call("add", "2", "3", "--bg"))).toEqual([5]);
  });

  it("--stream prints one line of JSON per item of a generator callback; without it, the items come as one array", async () => {
    expect(printed(await call("count", "3", "--stream"))).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect(printed(await call("count", "3"))).toEqual([[{ i: 0 }, { i: 1 }, { i: 2 }]]);
  });

  it("a stdout closed early (| head) ends the stream, and the remote generator with it", async () => {
    const pipeline = new Spawned("daffi call | head", ["-c", `"${process.execPath}" "${CLI}" call ${where.join(" ")} ticks --stream | head -n 2`], {}, "/bin/sh");
    await pipeline.succeeds(15_000);
    expect(pipeline.stdout).toEqual(["0", "1"]);
    // The first use of `ticks` in this system: its provider's generator ran its `finally`.
    await Promise.race(peers.map((peer) => peer.waitForLine(/^ticks ended$/)));
  });

  it("values JSON has no form for are printed in protobuf's JSON mapping (bytes base64, bigint and NaN as strings, Map as an object)", async () => {
    expect(printed(await call("values"))).toEqual([
      {
        bytes: "AQID",
        big: "12345678901234567890",
        date: "2026-01-02T03:04:05.000Z",
        map: { a: 1, 2: "b" },
        pairs: [[[1], "list key"]],
        set: [1, 2],
        floats: [0.5, 1.5],
        missing: null,
        nan: "NaN",
        list: [null, "-Infinity"],
      },
    ]);
  });

  it("a remote error is said as CODE: message on stderr, exit code 1, nothing on stdout", async () => {
    const { code, stdout, stderr } = await call("fail", '"boom"');
    expect({ code, stdout }).toEqual({ code: 1, stdout: [] });
    expect(stderr).toEqual([expect.stringMatching(/^REMOTE: TypeError: boom \(in process 'p[12]'\)$/)]);
  });

  it("an unknown callback: CALLBACK_NOT_FOUND at once", async () => {
    const { code, stdout, stderr } = await call("nope", "1");
    expect({ code, stdout, stderr }).toEqual({ code: 1, stdout: [], stderr: ["CALLBACK_NOT_FOUND: no connected process has a callback named 'nope'"] });
  });

  it("--timeout: TIMEOUT once it ran out, for a call and for a whole stream", async () => {
    const [slow, stream] = await Promise.all([call("sleep", "10", "--timeout", "0.5"), call("ticks", "--stream", "--timeout", "0.5")]);
    expect({ code: slow.code, stdout: slow.stdout, stderr: slow.stderr }).toEqual({ code: 1, stdout: [], stderr: ["TIMEOUT: 'sleep' did not answer within 0.5s"] });
    expect(slow.took).toBeLessThan(5000);
    expect({ code: stream.code, stderr: stream.stderr }).toEqual({ code: 1, stderr: ["TIMEOUT: the stream of 'ticks' did not end within 0.5s"] });
    expect(stream.stdout.slice(0, 2)).toEqual(["0", "1"]);
  });

  it("--verbose shows daffi's logs on stderr (stdout stays the result alone)", async () => {
    const { code, stdout, stderr } = await call("add", "1", "2", "--verbose");
    expect({ code, stdout }).toEqual({ code: 0, stdout: ["3"] });
    expect(stderr.join("\n")).toMatch(/node\[daffi-call-[0-9a-f]{8}\] \| Node 'daffi-call-[0-9a-f]{8}' has been connected to Controller/);
  });
});

describe("daffi call to a controller with auth (README: Security)", () => {
  it("--token, or $DAFFI_TOKEN, proves its identity; without one, or calling what it may not, PERMISSION_DENIED", async () => {
    const folder = tempSocketFolder();
    const tokens = { PEER_TOKEN: randomBytes(16).toString("hex"), OPS_TOKEN: randomBytes(16).toString("hex") };
    const authFile = path.join(folder, "auth.json");
    fs.writeFileSync(
      authFile,
      JSON.stringify({
        identities: {
          peer: { token: "env:PEER_TOKEN", processNames: ["a1"], serve: ["*"], call: [] },
          ops: { token: "env:OPS_TOKEN", processNames: ["daffi-call-*"], serve: [], call: ["add"] },
        },
      }),
    );
    const controller = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder, "--auth", authFile], tokens);
    await controller.waitForLine(/Controller has been started successfully/);
    const peer = Spawned.script("test/fixtures/call-peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "a1", DAFFI_TOKEN: tokens.PEER_TOKEN });
    await peer.waitForLine(/^READY$/);
    const where = ["--unix-sock-path", folder, "--connect-timeout", "3"];
    expect(printed(await daffiCall(...where, "--token", tokens.OPS_TOKEN, "add", "1", "2"))).toEqual([3]);
    const fromEnv = new Spawned("daffi call", [CLI, "call", ...where, "add", "2", "2"], { DAFFI_TOKEN: tokens.OPS_TOKEN });
    await fromEnv.succeeds();
    expect(fromEnv.stdout.filter(Boolean)).toEqual(["4"]);
    const [anonymous, notAllowed] = await Promise.all([daffiCall(...where, "add", "1", "2"), daffiCall(...where, "--token", tokens.OPS_TOKEN, "whoami")]);
    expect([anonymous.code, notAllowed.code]).toEqual([1, 1]);
    expect(anonymous.stderr).toEqual([expect.stringMatching(/^PERMISSION_DENIED: /)]);
    expect(notAllowed.stderr).toEqual([expect.stringMatching(/^PERMISSION_DENIED: .*whoami/)]);
  });
});

describe("daffi call with no controller to reach", () => {
  it("says so within --connect-timeout (exit code 1), and does not hang", async () => {
    const { code, stdout, stderr, took } = await daffiCall("add", "1", "2", "--unix-sock-path", tempSocketFolder(), "--connect-timeout", "1");
    expect({ code, stdout }).toEqual({ code: 1, stdout: [] });
    expect(stderr).toEqual([expect.stringMatching(/^TIMEOUT: no controller answered within 1s \(last error: no controller listens on .*\.sock yet\)$/)]);
    expect(took).toBeLessThan(6000);
  });
});

describe("daffi call: a command line it cannot run", () => {
  it.each([
    [["add", "1", "abc"], `daffi call: argument 2 is not JSON: "abc" (a string is quoted: '"abc"')`],
    [[], "daffi call: which callback? (daffi call NAME [JSON_ARG…])"],
    [["add", "-1", "2"], "daffi call: '-1' reads as an option: put the arguments after -- (daffi call NAME -- -1)"],
    [["add", "--bg", "--broadcast"], "daffi call: --bg and --broadcast do not go together (one of --bg, --broadcast, --stream)"],
    [["add", "--process", "p1", "--broadcast"], "daffi call: --process and --broadcast do not go together (a broadcast goes to every provider)"],
    [["add", "--metadata", "novalue"], 'daffi call: --metadata takes KEY=VALUE, got "novalue"'],
    [["add", "--metadata", "daffi-x=1"], "daffi call: --metadata: keys starting 'daffi-' are reserved ('daffi-x')"],
    [["add", "--timeout", "soon"], 'daffi call: --timeout must be a positive number of seconds, got "soon"'],
    [["add", "--nats", "nats://127.0.0.1:4222", "--host", "h"], "daffi call: --host is a flag of the link to a controller, not of --nats"],
    [["add", "--nats-user", "u"], "daffi call: --nats-user goes with --nats URL"],
    [["add", "--tiemout", "1"], "daffi call: unknown option '--tiemout' (did you mean '--timeout'?)"],
  ])("%j: says what is wrong, then the usage, on stderr; exit code 2", async (args, message) => {
    const { code, stdout, stderr } = await daffiCall(...args);
    expect({ code, stdout, first: stderr[0] }).toEqual({ code: 2, stdout: [], first: message });
    expect(stderr.join("\n")).toContain("usage: daffi call NAME");
  });
});

describe("daffi call on NATS", () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await NatsServer.start();
    const peer = Spawned.script("test/fixtures/call-peer.js", { DAFFI_NATS: server.url, DAFFI_NAME: "n1" });
    await peer.waitForLine(/^READY$/, 20_000);
  }, 30_000);
  afterAll(() => server?.kill());

  it("--nats URL: the same call, no controller; $DAFFI_NATS works as well", async () => {
    expect(printed(await daffiCall("--nats", server.url, "add", "1", "2"))).toEqual([3]);
    const fromEnv = new Spawned("daffi call", [CLI, "call", "count", "2", "--stream"], { DAFFI_NATS: server.url });
    await fromEnv.succeeds(20_000);
    expect(fromEnv.stdout.filter(Boolean)).toEqual(['{"i":0}', '{"i":1}']);
  });
});

describe("daffi call against a spec example (04-readme-v2: the shopping service, controller and node in one process)", () => {
  it("changes the service's list and reads it back", async () => {
    const port = String(await freePort());
    const service = Spawned.script("examples/shopping/shopping-service.js", { DAFFI_HOST: "localhost", DAFFI_PORT: port });
    await service.waitForLine(/Node '.*' has been connected to Controller/);
    const shop = (...args: string[]) => daffiCall("--host", "localhost", "--port", port, ...args);
    expect(printed(await shop("addItem", '"orange"'))).toEqual([null]);
    expect(printed(await shop("addItem", '"milk"'))).toEqual([null]);
    expect(printed(await shop("getItems"))).toEqual([["orange", "milk"]]);
    expect(printed(await shop("clearItems"))).toEqual([null]);
    expect(printed(await shop("getItems"))).toEqual([[]]);
  });
});
