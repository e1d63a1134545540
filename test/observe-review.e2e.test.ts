// Defects an adversarial review of issue 20 (observability) proved, each shown by a test first.
import { afterAll, describe, expect, it } from "@jest/globals";
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
import { DIST, killAll, Spawned } from "./helpers/Spawned";
import { tempSocketFolder } from "./helpers/system";
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
      expect(text).toMatch(/daffi_callback_calls_total\{process="review-(a|b)",callback="reviewEcho"/);
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
