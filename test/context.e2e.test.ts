// Call context (issue 18): currentCall() inside callbacks, cancellation reaching them with its
// reason, deadlines and trace context passed on to nested calls, metadata and its limits.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { BG, BROADCAST, CancelledError, ConfigurationError, currentCall, FG, Global, NO_RETURN, TimeoutError } from "../runtime";
import { eventually } from "./helpers/eventually";
import { Spawned } from "./helpers/Spawned";
import { type Connection, startSystem, stopSystem } from "./helpers/system";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let g: Global;
let connection: Connection;
let nodes: Spawned[];

beforeAll(async () => {
  ({ g, connection, nodes } = await startSystem(
    [
      { script: "test/fixtures/context-peer.js", env: { DAFFI_NAME: "peer-a" } },
      { script: "test/fixtures/context-peer.js", env: { DAFFI_NAME: "peer-b" } },
    ],
    "driver",
  ));
  await g.waitFunction("context_peer-b");
});
afterAll(() => stopSystem(g));

/** `g.call.<name>_<peer>`: the callbacks of the fixture carry their process's name. */
const on = (peer: string) => new Proxy({}, { get: (_, name: string) => g.call[`${name}_${peer}`]! }) as Record<string, (...args: unknown[]) => ReturnType<Global["call"][string]>>;

/** Why `peer`'s call `key` aborted, once it has. */
async function abortOf(peer: string, key: string): Promise<string> {
  let reason: string | null = null;
  await eventually(async () => (reason = (await on(peer).abortOf!(key)) as string | null) !== null, 10_000, `${peer} to abort ${key}`);
  return reason!;
}

interface Seen {
  callback: string;
  caller: string;
  identity: string | null;
  deadline: number | null;
  metadata: Record<string, string>;
  aborted: boolean;
}

describe("currentCall()", () => {
  it("is undefined outside a callback", () => {
    expect(currentCall()).toBeUndefined();
  });

  it("inside function and class callbacks, sync and after awaits: the callback, the caller, the deadline, the metadata", async () => {
    const before = Date.now();
    const sync = (await on("peer-a").context!().fg({ timeout: 5, metadata: { "request-id": "r1" } })) as Seen;
    expect(sync).toEqual({ callback: "context_peer-a", caller: "driver", identity: null, deadline: expect.any(Number), metadata: { "request-id": "r1" }, aborted: false });
    expect(sync.deadline! - before).toBeGreaterThan(3_000);
    expect(sync.deadline! - before).toBeLessThanOrEqual(5_000 + 1_000);
    const later = (await on("peer-b").contextLater!()) as Seen;
    expect(later).toEqual({ callback: "contextLater_peer-b", caller: "driver", identity: null, deadline: null, metadata: {}, aborted: false });
    const ofClass = (await g.call.classContext!().fg({ metadata: { k: "v" } })) as Seen;
    expect(ofClass).toMatchObject({ callback: "classContext", caller: "driver", metadata: { k: "v" } });
  });
});

describe("cancellation reaches the callback, with its reason", () => {
  it("the caller's cancel(), and a signal the caller passed", async () => {
    const pending = on("peer-a").hold!("bg-cancel").bg();
    await sleep(300);
    pending.cancel();
    await expect(pending.get()).rejects.toThrow(CancelledError);
    expect(await abortOf("peer-a", "bg-cancel")).toMatch(/^CancelledError: the call was cancelled by its caller 'driver'/);

    const controller = new AbortController();
    const call = on("peer-a").hold!("signal").fg({ signal: controller.signal });
    await sleep(300);
    controller.abort();
    await expect(call).rejects.toThrow(CancelledError);
    expect(await abortOf("peer-a", "signal")).toMatch(/^CancelledError/);
  });

  it("the caller's timeout", async () => {
    await expect(on("peer-a").hold!("timeout").fg({ timeout: 0.4 })).rejects.toThrow(TimeoutError);
    expect(await abortOf("peer-a", "timeout")).toMatch(/^TimeoutError/);
  });

  it("a break out of a stream", async () => {
    for await (const item of on("peer-b").ticking!("break") as AsyncIterable<number>) if (item === 3) break;
    expect(await abortOf("peer-b", "break")).toBe("CancelledError");
  });

  it("the caller's disconnect", async () => {
    const caller = Spawned.script("test/fixtures/caller.js", { ...connection.env, DAFFI_CALL: "hold_peer-a", DAFFI_ARGS: JSON.stringify(["gone"]) });
    await caller.waitForLine(/^READY$/);
    await sleep(500);
    caller.kill("SIGKILL");
    expect(await abortOf("peer-a", "gone")).toMatch(/^NodeDisconnectedError/);
  });
});

describe("deadlines and cancellation run down a chain of calls", () => {
  it("a nested call gets the time left of the call it is made in, and is aborted when it is", async () => {
    const started = Date.now();
    // driver → peer-a (timeout 1 s) → peer-b's hold: peer-b's signal aborts when driver's deadline passes.
    await expect(on("peer-a").nested!("hold_peer-b", ["chain"]).fg({ timeout: 1 })).rejects.toThrow(TimeoutError);
    expect(await abortOf("peer-b", "chain")).toMatch(/^TimeoutError/);
    expect(Date.now() - started).toBeLessThan(5_000);
    const inner = (await on("peer-a").nested!("context_peer-b", []).fg({ timeout: 2 })) as Seen;
    expect(inner.caller).toBe("peer-a");
    expect(inner.deadline! - started).toBeLessThanOrEqual(2_000 + 5_000);
    expect(inner.deadline! - Date.now()).toBeLessThan(2_100);
  });

  it("a nested call's deadline is a little past the current call's: a chain ends from its first caller, who gets its own TimeoutError", async () => {
    for (let i = 0; i < 10; i++) {
      const { own, inner } = (await on("peer-a").deadlines!("context_peer-b").fg({ timeout: 2 })) as { own: number; inner: Seen };
      expect(inner.deadline! - own).toBeGreaterThanOrEqual(48); // the grace (50 ms), less rounding
      expect(inner.deadline! - own).toBeLessThan(1_000);
    }
  });

  it("a cancel runs down the chain too", async () => {
    const pending = on("peer-a").nested!("hold_peer-b", ["chain-cancel"]).bg();
    await sleep(400);
    pending.cancel();
    expect(await abortOf("peer-b", "chain-cancel")).toMatch(/^CancelledError/);
  });

  it("a nested call after the deadline passed fails at once; outsideCall() detaches from the call", async () => {
    expect(await on("peer-a").lateNested!(600, "context_peer-b", "in-time").fg({ timeout: 5 })).toBe("called");
    await expect(on("peer-a").lateNested!(600, "context_peer-b", "late").fg({ timeout: 0.3 })).rejects.toThrow(TimeoutError);
    expect(await abortOf("peer-a", "late")).toBe("TimeoutError: cannot call 'context_peer-b': the deadline of the call it is made in ('lateNested_peer-a') has passed");
    const detached = (await on("peer-a").detached!("context_peer-b", []).fg({ timeout: 5 })) as Seen;
    expect(detached).toMatchObject({ caller: "peer-a", deadline: null });
  });
});

describe("metadata", () => {
  it("is not inherited by nested calls, except the W3C trace context", async () => {
    const inner = (await on("peer-a").nested!("context_peer-b", []).fg({ metadata: { traceparent: "00-abc-def-01", tracestate: "x=1", "request-id": "r2" } })) as Seen;
    expect(inner.metadata).toEqual({ traceparent: "00-abc-def-01", tracestate: "x=1" });
    const own = (await on("peer-a").nested!("context_peer-b", [], { "request-id": "r3" }).fg({ metadata: { traceparent: "t" } })) as Seen;
    expect(own.metadata).toEqual({ traceparent: "t", "request-id": "r3" });
  });

  it("travels with BG, NO_RETURN and BROADCAST, and the Global's defaults under each call's own", async () => {
    const withDefaults = await Global.start({ processName: "defaults", ...connection.options, logLevel: "silent", metadata: { tenant: "t1", zone: "z" } });
    try {
      expect(((await withDefaults.call["context_peer-a"]!().fg({ metadata: { zone: "own" } })) as Seen).metadata).toEqual({ tenant: "t1", zone: "own" });
      const bg = withDefaults.call["context_peer-b"]!().bg({ metadata: { via: "bg" } });
      expect(((await bg.get()) as Seen).metadata).toEqual({ tenant: "t1", zone: "z", via: "bg" });
      await withDefaults.call["hold_peer-b"]!("no-return").with(NO_RETURN({ metadata: { a: "b" } }));
      const everywhere = (await withDefaults.call.classContext!().with(BROADCAST({ returnResult: true, metadata: { via: "broadcast" } }))) as Record<string, Seen>;
      expect(Object.keys(everywhere).sort()).toEqual(["peer-a", "peer-b"]);
      for (const seen of Object.values(everywhere)) expect(seen.metadata).toEqual({ tenant: "t1", zone: "z", via: "broadcast" });
    } finally {
      await withDefaults.stop();
    }
  });

  it("is refused at the caller when it is not string to string, uses a reserved key, or exceeds 8 KiB", async () => {
    expect(() => FG({ metadata: { n: 1 as unknown as string } })).toThrow(ConfigurationError);
    expect(() => FG({ metadata: { "daffi-x": "y" } })).toThrow(/reserved/);
    expect(() => BG({ metadata: { big: "x".repeat(8 * 1024) } })).toThrow(/8192/);
    expect(() => FG({ metadata: "x" as unknown as Record<string, string> })).toThrow(ConfigurationError);
    await expect(Global.start({ processName: "bad", ...connection.options, metadata: { "daffi-a": "b" } })).rejects.toThrow(ConfigurationError);
    // Within the limit alone, above it with the Global's defaults: refused at the call.
    const withDefaults = await Global.start({ processName: "defaults-2", ...connection.options, logLevel: "silent", metadata: { pad: "x".repeat(5_000) } });
    try {
      await expect(withDefaults.call["context_peer-a"]!().fg({ metadata: { more: "y".repeat(4_000) } })).rejects.toThrow(ConfigurationError);
    } finally {
      await withDefaults.stop();
    }
  });
});

describe("the executor's own stop aborts the calls still running", () => {
  it("with StoppedError, once its drain time is over", async () => {
    const call = on("peer-b").hold!("stop").fg().catch((error: Error) => error);
    await sleep(300);
    expect(await on("peer-b").stopSoon!()).toBe("stopping");
    await nodes[1]!.waitForLine(/^ABORT stop StoppedError$/, 15_000);
    expect(await call).toBeInstanceOf(Error);
  });
});
