// The controller's router in one process: connection numbers, broadcasts with overloaded members, the protocol version, writers and waits.
import { describe, expect, it } from "@jest/globals";
import { getEventListeners } from "node:events";
import { delay } from "../runtime/call/delay";
import { NodeSession } from "../runtime/controller/NodeSession";
import { Router } from "../runtime/controller/Router";
import { Logger } from "../runtime/log/Logger";
import { decode, encode } from "../runtime/wire/codec";
import { type Frame, withDefaults } from "../runtime/wire/Frame";
import { FrameWriter } from "../runtime/wire/FrameWriter";
import { Kind, Mode } from "../runtime/wire/Kind";
import { PROTOCOL_VERSION } from "../runtime/wire/limits";

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A router and sessions whose sent frames are kept; `stuck` sessions never take what they are sent. */
function stage() {
  const router = new Router("controller", new Logger("controller", "test", "silent"));
  const sent = new Map<string, Frame[]>();
  const session = (name: string, options: { stuck?: boolean; maxQueuedBytes?: number } = {}) => {
    const frames: Frame[] = [];
    sent.set(name, frames);
    const writer = new FrameWriter({ write: (batch, done) => (frames.push(...batch.frames), options.stuck || done?.(), true) });
    const bounds = { maxQueuedBytes: options.maxQueuedBytes ?? 1024 * 1024, hardBytes: 1024 ** 3, stallMs: 60_000, overflow: () => undefined };
    return new NodeSession(writer, () => undefined, name, { local: false }, bounds);
  };
  const hello = (target: NodeSession, name: string, callbacks: string[], protocol: unknown = PROTOCOL_VERSION) =>
    router.handle(target, withDefaults({ kind: Kind.HELLO, name, payload: encode({ protocol, callbacks }) }));
  return { router, sent, session, hello };
}

describe("connection numbers (incarnations)", () => {
  it("skip the numbers live connections hold when they come round again", () => {
    const { router, session, hello } = stage();
    const longLived = session("long-lived");
    hello(longLived, "long-lived", []);
    expect(longLived.incarnation).toBe(1);
    (router as unknown as { nextIncarnation: number }).nextIncarnation = 2 ** 21 - 1; // two million connections later
    const last = session("last");
    hello(last, "last", []);
    const wrapped = session("wrapped");
    hello(wrapped, "wrapped", []);
    expect([last.incarnation, wrapped.incarnation]).toEqual([2 ** 21 - 1, 2]);
  });
});

describe("a broadcast whose caller is also a provider without room", () => {
  it("answers that provider's entry in its own name, so the broadcast completes", async () => {
    const { router, sent, session, hello } = stage();
    const caller = session("caller", { stuck: true, maxQueuedBytes: 1024 });
    const other = session("other");
    hello(caller, "caller", ["menu"]);
    hello(other, "other", ["menu"]);
    await tick();
    caller.send({ kind: Kind.RESULT, callId: 99, payload: new Uint8Array(600) }); // room for small frames, not for this call
    await tick();
    router.handle(caller, withDefaults({ kind: Kind.CALL, callId: 7, name: "menu", mode: Mode.BROADCAST, returnResult: true, payload: encode([new Uint8Array(500)]) }));
    await tick();
    const frames = sent.get("caller")!.filter((frame) => frame.callId === 7 && frame.kind !== Kind.CALL);
    expect(frames.map((frame) => [frame.kind, frame.source])).toEqual([
      [Kind.ACCEPTED, undefined],
      [Kind.ERROR, "caller"],
    ]);
  });

  it("gives each provider without room an OVERLOADED entry in its own name", async () => {
    const { router, sent, session, hello } = stage();
    const caller = session("caller");
    const full = session("full", { stuck: true, maxQueuedBytes: 1024 });
    const fine = session("fine");
    hello(caller, "caller", []);
    hello(full, "full", ["menu"]);
    hello(fine, "fine", ["menu"]);
    await tick();
    full.send({ kind: Kind.RESULT, callId: 99, payload: new Uint8Array(2000) });
    await tick();
    router.handle(caller, withDefaults({ kind: Kind.CALL, callId: 7, name: "menu", mode: Mode.BROADCAST, returnResult: true, payload: encode([]) }));
    await tick();
    const frames = sent.get("caller")!.filter((frame) => frame.callId === 7);
    expect(frames.map((frame) => [frame.kind, frame.source])).toEqual([
      [Kind.ACCEPTED, undefined],
      [Kind.ERROR, "full"],
    ]);
    expect(decode<{ code: string }>(frames[1]!.payload).code).toBe("OVERLOADED");
    expect(sent.get("fine")!.some((frame) => frame.kind === Kind.CALL && frame.callId === 7)).toBe(true);
  });
});

describe("the protocol version", () => {
  it("a HELLO of another version is refused with a clear ProtocolError", async () => {
    const { sent, session, hello } = stage();
    const old = session("old");
    hello(old, "old", [], 1);
    await tick();
    const [refusal] = sent.get("old")!;
    expect(refusal!.kind).toBe(Kind.ERROR);
    expect(decode<{ code: string; message: string }>(refusal!.payload)).toMatchObject({ code: "PROTOCOL", message: `this controller speaks daffi protocol ${PROTOCOL_VERSION}, the node 1: run the same daffi version on both` });
  });
});

describe("writers and waits leave nothing behind", () => {
  it("a writer blocked by its stream waits on one drain listener, however many full batches it forces", () => {
    let listeners = 0;
    const writer = new FrameWriter({ write: () => false, once: () => listeners++ }, 64 * 1024);
    for (let i = 0; i < 20; i++) writer.send({ kind: Kind.RESULT, callId: i + 1, payload: new Uint8Array(40 * 1024) });
    expect(listeners).toBe(1);
  });

  it("an eta keeps no listener on the node's stop signal once it is over", async () => {
    const stop = new AbortController();
    await Promise.all(Array.from({ length: 100 }, () => delay(0.001, undefined, stop.signal)));
    expect(getEventListeners(stop.signal, "abort")).toHaveLength(0);
  });
});

describe("a call's preferred provider (the caller's balancing)", () => {
  /** Three providers of `work` (c also of nothing else), one caller; returns who got the CALL with `callId`. */
  function providers() {
    const { router, sent, session, hello } = stage();
    const [a, b, c] = ["a", "b", "c"].map((name) => session(name));
    hello(a!, "a", ["work"]);
    hello(b!, "b", ["work"]);
    hello(c!, "c", ["other"]);
    const caller = session("caller");
    hello(caller, "caller", []);
    const call = (callId: number, target: string, preferred: boolean) =>
      router.handle(caller, withDefaults({ kind: Kind.CALL, callId, name: "work", mode: Mode.FG, target, preferred, payload: encode([]) }));
    const executorOf = async (callId: number) => {
      await tick();
      return ["a", "b", "c"].filter((name) => sent.get(name)!.some((frame) => frame.kind === Kind.CALL && frame.callId === callId));
    };
    const answer = async (callId: number) => {
      await tick();
      return sent.get("caller")!.find((frame) => frame.callId === callId && frame.kind === Kind.ERROR);
    };
    return { call, executorOf, answer };
  }

  it("goes to the preferred provider when it can take the call", async () => {
    const { call, executorOf } = providers();
    for (let id = 1; id <= 10; id++) call(id, "b", true);
    for (let id = 1; id <= 10; id++) expect(await executorOf(id)).toEqual(["b"]);
  });

  it("goes to another provider when the preferred one left or does not provide the callback — a pinned call fails instead", async () => {
    const { call, executorOf, answer } = providers();
    call(1, "gone", true);
    expect((await executorOf(1)).length).toBe(1);
    call(2, "c", true); // connected, but not a provider of 'work'
    expect(await executorOf(2)).not.toContain("c");
    expect((await executorOf(2)).length).toBe(1);
    call(3, "gone", false);
    expect(await executorOf(3)).toEqual([]);
    expect(decode((await answer(3))!.payload!)).toMatchObject({ code: "NODE_DISCONNECTED" });
  });

  it("a call pinned to a process that is not registered for the callback is refused (its identity may be refused as its provider); built-ins go to any", async () => {
    const { router, sent, session, hello } = stage();
    const c = session("c");
    hello(c, "c", ["other"]);
    const caller = session("caller");
    hello(caller, "caller", []);
    router.handle(caller, withDefaults({ kind: Kind.CALL, callId: 1, name: "work", mode: Mode.FG, target: "c", payload: encode([]) }));
    router.handle(caller, withDefaults({ kind: Kind.CALL, callId: 2, name: "__daffi.scheduledTasks", mode: Mode.FG, target: "c", payload: encode([]) }));
    await tick();
    expect(sent.get("c")!.filter((frame) => frame.kind === Kind.CALL).map((frame) => frame.callId)).toEqual([2]);
    const refusal = sent.get("caller")!.find((frame) => frame.callId === 1 && frame.kind === Kind.ERROR)!;
    expect(decode(refusal.payload!)).toMatchObject({ code: "CALLBACK_NOT_FOUND", message: "process 'c' has no callback named 'work'" });
  });

  it("WELCOME tells the node that this controller takes preferred targets", async () => {
    const { sent, session, hello } = stage();
    hello(session("n"), "n", []);
    await tick();
    const welcome = sent.get("n")!.find((frame) => frame.kind === Kind.WELCOME)!;
    expect(decode(welcome.payload!)).toEqual({ features: ["preferred", "direct"] });
  });
});
