// Defects an adversarial review of issue 20 (observability) proved, each shown by a test first.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Registry } from "prom-client";
import { callback, Global, OverloadedError } from "../runtime";
import { CallStats, MAX_CALLBACKS, OTHER_CALLBACK } from "../runtime/observe/CallStats";
import { CallScope } from "../runtime/context/CallScope";
import { cleanSnapshot, SystemView } from "../runtime/observe/SystemView";
import { nodeOf } from "../runtime/global/Global";
import { hostAllowed } from "../runtime/observe/hostCheck";
import { CLI, DIST, killAll, Spawned } from "./helpers/Spawned";
import { runCli } from "./helpers/runCli";
import { makeCertificates } from "./helpers/certificates";
import { topologyText } from "../runtime/cli/topologyText";
import { startController, tempSocketFolder } from "./helpers/system";
import { eventually } from "./helpers/eventually";

afterAll(killAll);

function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(request));
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (answer += chunk));
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
    setTimeout(() => socket.end(), 500);
  });
}

function get(port: number, pathname: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port, path: pathname, headers }, (response) => {
      response.resume();
      resolve(response.statusCode!);
    });
    request.on("error", reject);
  });
}

describe("the dashboard and metrics servers take any request", () => {
  it("a request target that is no path gets 400; the process (maybe the controller's) goes on", async () => {
    const g = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), dashboard: { port: 0 }, metrics: { port: 0 }, logLevel: "silent" });
    try {
      expect(await raw(g.dashboardPort!, "GET http://[/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")).toMatch(/^HTTP\/1\.1 400/);
      expect(await get(g.dashboardPort!, "/topology")).toBe(200);
      expect(await raw(g.metricsPort!, "GET http://[/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")).toMatch(/^HTTP\/1\.1 404/);
    } finally {
      await g.stop();
    }
  });

  it("on loopback the metrics answer only requests addressed as loopback (no DNS rebinding)", async () => {
    const g = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), metrics: { port: 0 }, logLevel: "silent" });
    try {
      expect(await get(g.metricsPort!, "/metrics", { host: "evil.example" })).toBe(421);
      expect(await get(g.metricsPort!, "/metrics", { host: `localhost:${g.metricsPort}` })).toBe(200);
      expect(await get(g.metricsPort!, "/metrics")).toBe(200);
    } finally {
      await g.stop();
    }
  });

  it("a dashboard on another interface without a token answers only when addressed by IP (a name may be a rebinding)", async () => {
    const g = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), dashboard: { port: 0, host: "0.0.0.0" }, logLevel: "silent" });
    try {
      expect(await get(g.dashboardPort!, "/topology", { host: "evil.example" })).toBe(421);
      expect(await get(g.dashboardPort!, "/topology", { host: `127.0.0.1:${g.dashboardPort}` })).toBe(200);
      expect(await get(g.dashboardPort!, "/topology", { host: `192.0.2.7:${g.dashboardPort}` })).toBe(200);
    } finally {
      await g.stop();
    }
    expect(hostAllowed("evil.example", "0.0.0.0", true)).toBe(true); // with a token, names are fine: the token says who asks
    expect(hostAllowed("[::1]:80", "127.0.0.1", false)).toBe(true);
    expect(hostAllowed("127.0.0.1.evil.example", "127.0.0.1", false)).toBe(false);
    expect(hostAllowed(undefined, "127.0.0.1", false)).toBe(false);
  });
});

describe("bounded figures", () => {
  it("beyond MAX_CALLBACKS names, the calls count under one entry (no endless recursion)", () => {
    const stats = new CallStats();
    for (let i = 0; i < MAX_CALLBACKS; i++) stats.of(`cb${i}`);
    const scope = new CallScope("one-more", "caller", "", 0, {});
    stats.began(scope);
    stats.ended(scope, false);
    expect(stats.of("one-more")).toBe(stats.of(OTHER_CALLBACK));
    expect(stats.snapshot("p").callbacks[OTHER_CALLBACK]).toMatchObject({ inFlight: 0, outcomes: { OK: 1 } });
  });

  it("a full callers map makes room for new callers when old ones are gone", () => {
    const connected = new Set<string>();
    const stats = new CallStats((process) => connected.has(process));
    const call = (caller: string) => {
      const scope = new CallScope("cb", caller, "", 0, {});
      stats.began(scope);
      stats.ended(scope, false);
    };
    for (let i = 0; i < 256; i++) call(`gone-${i}`);
    connected.add("fresh");
    call("fresh");
    expect(stats.snapshot("p").callbacks.cb!.callers).toEqual({ fresh: 1 });
  });

  it("a peer's figures are taken only within bounds in all, however large its answer", () => {
    const callers = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`caller-${i}`, 1]));
    const callbacks = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`cb${i}`, { inFlight: 1, queued: 0, outcomes: { OK: 1 }, seconds: 1, callers }]));
    const clean = cleanSnapshot({ process: "hostile", at: Date.now(), callbacks })!;
    const entries = Object.values(clean.callbacks).reduce((sum, stats) => sum + 1 + Object.keys(stats.outcomes).length + Object.keys(stats.callers).length, 0);
    expect(entries).toBeLessThanOrEqual(8192 + 260);
    expect(JSON.stringify(clean).length).toBeLessThan(400_000);
    expect(cleanSnapshot({ process: "x", at: 1, callbacks: { cb: { inFlight: "9", outcomes: { OK: "1e9" }, callers: null } } })).toMatchObject({ callbacks: { cb: { inFlight: 0, outcomes: { OK: 0 }, callers: {} } } });
  });

  it("byte counters are the OS process's: one series, not one per Global; a stopped Global's series leave a shared registry", async () => {
    const registry = new Registry();
    const folder = tempSocketFolder();
    callback("reviewEcho", (x: unknown) => x);
    const a = await Global.start({ processName: "review-a", initController: true, unixSockPath: folder, metrics: { registry }, logLevel: "silent" });
    const b = await Global.start({ processName: "review-b", unixSockPath: folder, metrics: { registry }, logLevel: "silent" });
    try {
      await b.call.reviewEcho(1);
      const text = await registry.metrics();
      expect(text.split("\n").filter((line) => line.startsWith("daffi_sent_bytes_total"))).toEqual([expect.stringMatching(/^daffi_sent_bytes_total \d+$/)]);
      expect(text).toMatch(/daffi_calls_total\{process="review-(a|b)",side="server",callback="reviewEcho"/);
      expect(text).toMatch(/daffi_calls_total\{process="review-b",side="client",callback="reviewEcho",code="OK"\} 1/);
    } finally {
      await b.stop();
      await a.stop();
    }
    const after = await registry.metrics();
    expect(after).not.toMatch(/process="review-/);
  });
});

describe("an incoming interceptor that answers before its next() runs the callback", () => {
  it("ends the call once: in flight does not go below 0, maxConcurrentCalls still holds", async () => {
    const folder = tempSocketFolder();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "daffi-test-")), "deferred.js");
    fs.writeFileSync(
      file,
      `const daffi = require(${JSON.stringify(path.join(DIST, "runtime"))});
       daffi.callback("ticks", async function* (n) { for (let i = 0; i < n; i++) { await new Promise((r) => setTimeout(r, 20)); yield i; } });
       daffi.callback("slow", (ms) => new Promise((r) => setTimeout(() => r(ms), ms)));
       const deferred = { incoming: (call, next) => { if (call.name !== "ticks") return next(call); setTimeout(() => next(call).catch(() => {}), 30); return Promise.resolve("early"); } };
       daffi.Global.start({ processName: "deferred", unixSockPath: ${JSON.stringify(folder)}, direct: false, logLevel: "silent", interceptors: [deferred], maxConcurrentCalls: 2 }).then(() => console.log("READY"));`,
    );
    const g = await Global.start({ processName: "driver", initController: true, unixSockPath: folder, direct: false, logLevel: "silent", metrics: {} });
    const worker = new Spawned("deferred", [file]);
    await worker.waitForLine(/^READY$/);
    try {
      await g.waitFunction("ticks");
      for (let i = 0; i < 3; i++) await g.call.ticks(3).fg().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const view = new SystemView(g, nodeOf(g)!, new Set([g.processName]));
      let ticks: { inFlight: number; calls: number } | undefined;
      await eventually(async () => {
        ticks = (await view.sample()).processes.find((p) => p.name === "deferred")?.callbacks.find((c) => c.name === "ticks");
        return ticks !== undefined;
      }, 5000, "the figures of 'deferred'");
      expect(ticks!.inFlight).toBe(0);
      expect(ticks!.calls).toBe(3);
      const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => g.call.slow(400).fg({ timeout: 3 }).then(() => "ok", (error: unknown) => (error instanceof OverloadedError ? "overloaded" : String(error)))));
      expect(outcomes.filter((outcome) => outcome === "ok")).toHaveLength(2);
      expect(outcomes.filter((outcome) => outcome === "overloaded")).toHaveLength(3);
    } finally {
      worker.kill();
      await g.stop();
    }
  });
});

describe("a logger of the program's own", () => {
  it("that rejects (async) does not end the process", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "daffi-test-")), "async-logger.js");
    fs.writeFileSync(
      file,
      `const daffi = require(${JSON.stringify(path.join(DIST, "runtime"))});
       const rejecting = async () => { throw new Error("log shipper down"); };
       daffi.Global.start({ initController: true, unixSockPath: ${JSON.stringify(tempSocketFolder())}, logger: { debug: rejecting, info: rejecting, warn: rejecting, error: rejecting } })
         .then((g) => new Promise((r) => setTimeout(r, 100)).then(() => g.stop())).then(() => console.log("DONE"));`,
    );
    const child = new Spawned("async-logger", [file]);
    await child.succeeds();
    expect(child.stdout).toEqual(["DONE"]);
  });
});

describe("a second review: the CLI tools and the figures they read", () => {
  it("a peer's figures sharing one huge object (CBOR's shared references) are read in bounded time", () => {
    const huge = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, 1]));
    const callbacks = Object.fromEntries(Array.from({ length: 1024 }, (_, i) => [`cb${i}`, { inFlight: 0, queued: 0, outcomes: huge, seconds: 0, callers: huge }]));
    const started = performance.now();
    const clean = cleanSnapshot({ process: "p", at: 1, callbacks })!;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(Object.keys(clean.callbacks).length).toBeGreaterThan(0);
    expect(cleanSnapshot({ process: "p", at: 1, callbacks: { cb: { outcomes: [1, 2, 3], callers: new Uint8Array(4) } } })!.callbacks.cb).toMatchObject({ outcomes: {}, callers: {} });
    // Counts beyond 2^53 are taken as 2^53: their sums stay numbers.
    expect(cleanSnapshot({ process: "p", at: 1, callbacks: { cb: { outcomes: { OK: 1e308, REMOTE: 1e308 } } } })!.callbacks.cb!.outcomes).toEqual({ OK: Number.MAX_SAFE_INTEGER, REMOTE: Number.MAX_SAFE_INTEGER });
  });

  it("inspect's text holds many edges (no spread of a huge array)", () => {
    const edges = Array.from({ length: 200_000 }, (_, i) => ({ from: `caller-${i}`, to: "p", calls: 1, rate: 0 }));
    expect(() => topologyText({ at: 1, processes: [], edges, errors: {} })).not.toThrow();
  });

  describe("through a controller", () => {
    let where: string[];
    beforeAll(async () => {
      const { connection } = await startController("unix");
      where = ["--unix-sock-path", connection.options.unixSockPath!];
      const peer = Spawned.script("test/fixtures/call-peer.js", { ...connection.env, DAFFI_NAME: "peer-\u001b[31m" });
      await peer.waitForLine(/^READY$/);
    }, 30_000);

    it("daffi call says a remote error escaped: a terminal's escape codes from another process stay text", async () => {
      const outcome = await runCli(["call", ...where, "fail", JSON.stringify("boom\u001b]0;PWNED\u0007\u001b[2J")]);
      expect(outcome.code).toBe(1);
      expect(outcome.stderr.join("\n")).not.toMatch(/\u001b|\u0007/);
      expect(outcome.stderr).toEqual([expect.stringContaining("REMOTE: TypeError: boom\\u001b]0;PWNED\\u0007\\u001b[2J (in process 'peer-\\u001b[31m')")]);
    });

    it("JSON output writes C1 controls and bidirectional overrides as \\u escapes (the same JSON)", async () => {
      const outcome = await runCli(["call", ...where, "greet", JSON.stringify({ name: "a\u009b31mb\u202ec\u2028d" })]);
      expect(outcome.code).toBe(0);
      expect(outcome.stdout[0]).toBe('"hello, a\\u009b31mb\\u202ec\\u2028d"');
      expect(JSON.parse(outcome.stdout[0]!)).toBe("hello, a\u009b31mb\u202ec\u2028d");
      const inspected = await runCli(["inspect", ...where, "--json", "--interval", "0.1"]);
      expect(inspected.code).toBe(0);
      expect(inspected.stdout[0]).toContain("peer-\\u001b[31m");
      expect(inspected.stdout[0]).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    });
  });

  it("inspect --watch ends at once, with 0, on a signal while it is still connecting", async () => {
    const cli = new Spawned("inspect", [CLI, "inspect", "--watch", "--unix-sock-path", tempSocketFolder(), "--connect-timeout", "20"]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const sent = Date.now();
    cli.kill("SIGTERM");
    const exit = await cli.waitForExit(5000);
    expect(exit.code).toBe(0);
    expect(Date.now() - sent).toBeLessThan(2000);
  });

  it("inspect --interval is from 0.1 to 3600 seconds", async () => {
    for (const interval of ["3000000", "0.0001"]) {
      const outcome = await runCli(["inspect", "--interval", interval]);
      expect(outcome.code).toBe(2);
      expect(outcome.stderr[0]).toMatch(/--interval must be from 0\.1 to 3600 seconds/);
    }
  });

  it("an interceptor that answers before the callback returns does not free its place in maxConcurrentCalls; one calling next() after it answered runs nothing", async () => {
    const folder = tempSocketFolder();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "daffi-test-")), "early.js");
    fs.writeFileSync(
      file,
      `const daffi = require(${JSON.stringify(path.join(DIST, "runtime"))});
       let running = 0, peak = 0, late = 0;
       daffi.callback("slow", async () => { running++; peak = Math.max(peak, running); await new Promise((r) => setTimeout(r, 300)); running--; });
       daffi.callback("late", () => { late++; });
       daffi.callback("peak", () => ({ peak, late }));
       const early = { incoming: (call, next) => {
         if (call.name === "slow") { next(call).catch(() => {}); return Promise.resolve("early"); }
         if (call.name === "late") { setTimeout(() => next(call).catch(() => {}), 20); return Promise.resolve("early"); }
         return next(call);
       } };
       daffi.Global.start({ processName: "early", unixSockPath: ${JSON.stringify(folder)}, direct: false, logLevel: "silent", interceptors: [early], maxConcurrentCalls: 2 }).then(() => console.log("READY"));`,
    );
    const g = await Global.start({ processName: "driver", initController: true, unixSockPath: folder, direct: false, logLevel: "silent" });
    const worker = new Spawned("early", [file]);
    await worker.waitForLine(/^READY$/);
    try {
      await g.waitFunction("slow");
      const outcomes: string[] = [];
      for (let i = 0; i < 8; i++) outcomes.push(await g.call.slow().fg().then(() => "ok", (error: unknown) => (error instanceof OverloadedError ? "overloaded" : String(error))));
      expect(outcomes.filter((outcome) => outcome === "ok")).toHaveLength(2);
      await new Promise((resolve) => setTimeout(resolve, 400)); // the two slow callbacks return
      await g.call.late().fg();
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await g.call.peak()).toEqual({ peak: 2, late: 0 });
    } finally {
      worker.kill();
      await g.stop();
    }
  });
});

describe("the CLI tools over TLS, with the node's flags", () => {
  it("daffi call and daffi inspect reach a TLS controller with --ssl-ca (and mutual TLS with --ssl-certificate/--ssl-key); without the CA they fail, exit 1", async () => {
    const certs = makeCertificates();
    const controller = new Spawned("controller", [CLI, "controller", "--host", "127.0.0.1", "--port", "0", "--ssl-certificate", certs.server.cert, "--ssl-key", certs.server.key, "--ssl-client-ca", certs.ca.cert]);
    const [, port] = (await controller.waitForLine(/port: (\d+) \] \(TLS\)/))!;
    const tls = { DAFFI_SSL_CERTIFICATE: certs.client.cert, DAFFI_SSL_KEY: certs.client.key, DAFFI_SSL_CA: certs.ca.cert };
    const peer = Spawned.script("test/fixtures/call-peer.js", { ...tls, DAFFI_NAME: "tls-peer", DAFFI_HOST: "127.0.0.1", DAFFI_PORT: port! });
    await peer.waitForLine(/^READY$/);
    // localhost, not 127.0.0.1: Node warns (DEP0123) when TLS is given an IP address as server name.
    const where = ["--host", "localhost", "--port", port!, "--ssl-ca", certs.ca.cert, "--ssl-certificate", certs.client.cert, "--ssl-key", certs.client.key];
    const sum = await runCli(["call", ...where, "add", "2", "40"]);
    expect({ code: sum.code, stdout: sum.stdout.filter(Boolean), stderr: sum.stderr }).toEqual({ code: 0, stdout: ["42"], stderr: [] });
    const inspected = await runCli(["inspect", ...where, "--json", "--interval", "0.1"]);
    expect(inspected.code).toBe(0);
    expect((JSON.parse(inspected.stdout[0]!) as { processes: Array<{ name: string }> }).processes.map((p) => p.name)).toContain("tls-peer");
    const untrusted = await runCli(["call", "--host", "127.0.0.1", "--port", port!, "add", "1", "1", "--connect-timeout", "2"]);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr[0]).toMatch(/^TIMEOUT: no controller answered within 2s/);
    controller.kill();
  }, 40_000);
});
