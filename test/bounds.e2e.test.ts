// Bounded resources and backpressure: floods, slow and frozen nodes, peers that never read, big answers on stop, memory held by small calls.
import { afterEach, describe, expect, it } from "@jest/globals";
import * as grpc from "@grpc/grpc-js";
import * as path from "node:path";
import { DaffiError, Global, OverloadedError, PayloadTooLargeError, TimeoutError } from "../runtime";
import { encode } from "../runtime/wire/codec";
import { Kind } from "../runtime/wire/Kind";
import { PROTOCOL_VERSION } from "../runtime/wire/limits";
import { encodeBatch } from "../runtime/wire/protocol";
import { NodeSession } from "../runtime/controller/NodeSession";
import { FrameWriter } from "../runtime/wire/FrameWriter";
import { rssOf } from "./helpers/rss";
import { settled } from "./helpers/settled";
import { CLI, killAll, Spawned } from "./helpers/Spawned";
import { tempSocketFolder } from "./helpers/system";

afterEach(killAll);

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function controller(...args: string[]): Promise<{ cli: Spawned; folder: string }> {
  const folder = tempSocketFolder();
  const cli = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder, ...args]);
  await cli.waitForLine(/Controller has been started/);
  return { cli, folder };
}

function codes(outcomes: unknown[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) {
    const code = outcome instanceof DaffiError ? outcome.code : outcome instanceof Error ? "UNTYPED" : "ok";
    counts[code] = (counts[code] ?? 0) + 1;
  }
  return counts;
}

describe("backpressure and bounds", () => {
  it("a 5 s flood of 1 MiB NO_RETURN calls at a frozen node: the controller stays under 300 MB and the caller is told OverloadedError", async () => {
    const { cli, folder } = await controller();
    const frozen = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "frozen" });
    await frozen.waitForLine(/^READY$/);
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent" });
    frozen.kill("SIGSTOP");
    const payload = new Uint8Array(MiB);
    const outcomes: unknown[] = [];
    let maxRss = 0;
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      // 16 at a time, as an eager producer would.
      outcomes.push(...(await Promise.all(Array.from({ length: 16 }, () => settled(g.call.echo(payload).noReturn())))));
      maxRss = Math.max(maxRss, rssOf(cli.pid));
    }
    const counts = codes(outcomes);
    console.log(`flood: ${outcomes.length} NO_RETURN calls of 1 MiB, ${JSON.stringify(counts)}, controller RSS at most ${Math.round(maxRss / MiB)} MB`);
    expect(counts.OVERLOADED).toBeGreaterThan(0);
    expect(counts.ok ?? 0).toBeLessThan(100); // accepted only while there was room (64 MiB)
    expect(maxRss).toBeLessThan(300 * MiB);
    frozen.kill("SIGKILL");
  });

  it("parallel calls beyond what the caller may hold for the controller wait for room instead of piling up; all of them complete", async () => {
    const { folder } = await controller();
    const worker = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "worker" });
    await worker.waitForLine(/^READY$/);
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent", maxQueuedBytes: 4 * MiB });
    const results = await Promise.all(Array.from({ length: 64 }, (_, i) => g.call.echo(new Uint8Array(MiB).fill(i % 256)).fg({ timeout: 30 })));
    expect(results.map((bytes) => (bytes as Uint8Array)[0])).toEqual(Array.from({ length: 64 }, (_, i) => i % 256));
  });

  it("a node runs at most maxConcurrentCalls at once: beyond, OverloadedError at once", async () => {
    const { folder } = await controller();
    const busy = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "busy", DAFFI_MAX_CONCURRENT_CALLS: "50" });
    await busy.waitForLine(/^READY$/);
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent" });
    const outcomes = await Promise.all(Array.from({ length: 80 }, () => settled(g.call.slowEcho("x", 0.5).fg({ timeout: 10 }))));
    expect(codes(outcomes)).toEqual({ ok: 50, OVERLOADED: 30 });
    const refused = outcomes.find((outcome) => outcome instanceof OverloadedError) as OverloadedError;
    expect(refused.message).toMatch(/process 'busy' runs 50 calls, its maxConcurrentCalls/);
    expect(await g.call.add(1, 1)).toBe(2);
  });

  it("a caller's table of calls in flight is bounded", async () => {
    const g = new Global({ unixSockPath: tempSocketFolder(), logLevel: "silent" }); // no controller: every call waits
    const waiting = Array.from({ length: 100_000 }, () => settled(g.call.add(1, 2).fg()));
    expect(await settled(g.call.add(1, 2).fg())).toBeInstanceOf(OverloadedError);
    await g.stop();
    expect(codes(await Promise.all(waiting))).toEqual({ STOPPED: 100_000 });
  });

  it("a peer that never reads its stream cannot make the controller hold more than its bound: calls to it fail, then it is cut off", async () => {
    const { cli, folder } = await controller("--max-queued-bytes", String(16 * MiB));
    const client = new grpc.Client(`unix:${path.join(folder, ".sock")}`, grpc.credentials.createInsecure());
    const stream = client.makeBidiStreamRequest<Buffer, Buffer>("/daffi.Daffi/Connect", (b) => b, (b) => b);
    stream.on("error", () => undefined);
    stream.pause(); // it never reads: HTTP/2 flow control soon stops the controller's writes to it
    stream.write(encodeBatch({ frames: [{ kind: Kind.HELLO, name: "deaf", payload: encode({ protocol: PROTOCOL_VERSION, callbacks: ["deafSink"] }) }] }));
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent" });
    await g.waitFunction("deafSink", { timeout: 5 });
    let maxRss = 0;
    const outcomes: unknown[] = [];
    for (let round = 0; round < 10; round++) {
      outcomes.push(...(await Promise.all(Array.from({ length: 10 }, () => settled(g.call.deafSink(new Uint8Array(MiB)).fg({ timeout: 1 }))))));
      maxRss = Math.max(maxRss, rssOf(cli.pid));
    }
    const counts = codes(outcomes);
    expect(counts.ok).toBeUndefined();
    expect((counts.OVERLOADED ?? 0) + (counts.NODE_DISCONNECTED ?? 0)).toBeGreaterThan(0);
    expect(maxRss).toBeLessThan(300 * MiB);
    stream.destroy();
    client.close();
  });

  it("a session is cut off beyond its hard bound at once, and beyond maxQueuedBytes only when nothing is taken for its stall time", async () => {
    const cutOff = (hardBytes: number, stallMs: number) => {
      let overflowed = "";
      // A stream that takes the batches it is given and never says they are written.
      const stuck = new FrameWriter({ write: () => true });
      const session = new NodeSession(stuck, () => undefined, "stuck", { local: false }, { maxQueuedBytes: MiB, hardBytes, stallMs, overflow: (_, why) => (overflowed = why) });
      return { session, overflowed: () => overflowed };
    };
    const hard = cutOff(3 * MiB, 60_000);
    for (let i = 0; i < 5; i++) hard.session.send({ kind: Kind.RESULT, callId: i + 1, payload: new Uint8Array(MiB / 2) });
    expect(hard.overflowed()).toBe("");
    expect(hard.session.hasRoomFor(1)).toBe(false);
    hard.session.send({ kind: Kind.RESULT, callId: 9, payload: new Uint8Array(MiB) });
    expect(hard.overflowed()).toMatch(/above 3145728 bytes/);

    const stalled = cutOff(100 * MiB, 50);
    for (let i = 0; i < 3; i++) stalled.session.send({ kind: Kind.RESULT, callId: i + 1, payload: new Uint8Array(MiB / 2) });
    await sleep(10); // the batch is handed to the stream, which never takes it
    stalled.session.send({ kind: Kind.RESULT, callId: 8, payload: new Uint8Array(10) });
    expect(stalled.overflowed()).toBe("");
    await sleep(100);
    stalled.session.send({ kind: Kind.RESULT, callId: 9, payload: new Uint8Array(10) });
    expect(stalled.overflowed()).toMatch(/nothing taken for/);
  });
});

describe("a lossless stop", () => {
  it("answers of 1 MiB and 10 MiB being made when the executor stops still reach their callers", async () => {
    const { folder } = await controller();
    const leaving = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "leaving" });
    await leaving.waitForLine(/^READY$/);
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent" });
    const big = g.call.slowBytes(10 * MiB, 0.3).fg({ timeout: 20 });
    const medium = g.call.slowBytes(MiB, 0.3).fg({ timeout: 20 });
    await sleep(100);
    leaving.kill("SIGTERM"); // stop(): the calls in flight finish, their answers go out, then the stream closes
    const [ten, one] = (await Promise.all([big, medium])) as Uint8Array[];
    expect([ten!.length, one!.length]).toEqual([10 * MiB, MiB]);
    expect(ten!.every((byte) => byte === 7)).toBe(true);
    await leaving.succeeds();
  });
});

describe("a lossless stop of the controller", () => {
  it("answers it has routed reach their callers before its streams end: each call is answered or refused with StoppedError, never cut off", async () => {
    const folder = tempSocketFolder();
    const controller = await Global.start({ initController: true, initNode: false, unixSockPath: folder, logLevel: "silent" });
    for (const name of ["p1", "p2", "p3"]) await Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: name }).waitForLine(/^READY$/);
    const caller = Spawned.script("test/fixtures/burst-caller.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_COUNT: "60", DAFFI_SIZE: String(MiB) });
    await caller.waitForLine(/^READY$/);
    caller.kill("SIGUSR2");
    await caller.waitForLine(/^SENT$/);
    await controller.stop();
    const [, json] = await caller.waitForLine(/^RESULT (.*)$/, 20_000);
    const counts = JSON.parse(json!) as Record<string, number>;
    expect(counts.NODE_DISCONNECTED).toBeUndefined();
    expect((counts.ok ?? 0) + (counts.STOPPED ?? 0)).toBe(60);
  });
});

describe("a controller stopping amid a steady flow of calls", () => {
  it("cuts none off: a call that reaches it is answered or refused with StoppedError; one made after it said GOAWAY waits for the next controller (here: its timeout)", async () => {
    const folder = tempSocketFolder();
    const controller = await Global.start({ initController: true, initNode: false, unixSockPath: folder, logLevel: "silent" });
    for (const name of ["p1", "p2"]) await Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: name }).waitForLine(/^READY$/);
    // No direct links: every call crosses the controller.
    const caller = Spawned.script("test/fixtures/flow-caller.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_DIRECT: "0" });
    await caller.waitForLine(/^READY$/);
    caller.kill("SIGUSR2");
    await caller.waitForLine(/^FLOWING$/);
    await controller.stop();
    const [, json] = await caller.waitForLine(/^RESULT (.*)$/, 20_000);
    const counts = JSON.parse(json!) as Record<string, number>;
    console.log(`flow through a stopping controller: ${json}`);
    expect(counts.ok).toBeGreaterThan(0);
    expect(Object.keys(counts).filter((code) => !["ok", "STOPPED", "TIMEOUT"].includes(code))).toEqual([]);
  });
});

describe("generators at the executor", () => {
  it("a plain FG call to an endless generator collects at most maxMessageSize, then PayloadTooLargeError; the generator ends, the node lives", async () => {
    const { folder } = await controller("--max-message-size", String(MiB));
    const streamer = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "streamer", DAFFI_MAX_MESSAGE_SIZE: String(MiB) });
    await streamer.waitForLine(/^READY$/);
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent", maxMessageSize: MiB });
    const collected = await settled(g.call.endlessChunks(64 * 1024).fg({ timeout: 20 }));
    expect(collected).toBeInstanceOf(PayloadTooLargeError);
    expect((collected as Error).message).toMatch(/read it as a stream/);
    await streamer.waitForLine(/^endlessChunks ended$/);
    expect(await g.call.add(2, 2)).toBe(4);
  });

  it("the caller's timeout (a CANCEL, and the deadline) ends a collecting call: the generator's finally runs", async () => {
    const { folder } = await controller();
    const streamer = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "streamer" });
    await streamer.waitForLine(/^READY$/);
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent" });
    expect(await settled(g.call.endless().fg({ timeout: 0.3 }))).toBeInstanceOf(TimeoutError);
    await streamer.waitForLine(/^endless ended$/, 3000);
  });
});

describe("memory", () => {
  it("a small call still running does not keep the large message it came in alive", async () => {
    const { folder } = await controller();
    const holder = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "holder" }, [], ["--expose-gc"]);
    await holder.waitForLine(/^READY$/);
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent" });
    // The steady state after such messages (buffers that grpc-js, HTTP/2 and cbor-x keep), then the same with small calls held.
    for (let i = 0; i < 3; i++) await g.call.echo(new Uint8Array(40 * MiB)).fg();
    const before = (await g.call.memory()) as number;
    const held: Array<Promise<unknown>> = [];
    for (let i = 0; i < 3; i++) {
      // One message: a tiny call that holds its argument for a while, and 40 MiB beside it.
      held.push(g.call.hold(new Uint8Array(16), 5).fg());
      await g.call.echo(new Uint8Array(40 * MiB)).fg();
    }
    const during = (await g.call.memory()) as number;
    console.log(`memory: arrayBuffers ${Math.round(before / MiB)} MiB in the steady state, ${Math.round(during / MiB)} MiB with three small calls held`);
    expect(during - before).toBeLessThan(40 * MiB);
    expect(await Promise.all(held)).toEqual([16, 16, 16]);
  });
});

describe("legitimate traffic is never cut off", () => {
  it("a reader of 600 items of 512 KiB gets every one: the stream's window counts bytes too", async () => {
    const { folder } = await controller();
    const streamer = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "streamer" });
    await streamer.waitForLine(/^READY$/);
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent" });
    let count = 0;
    for await (const chunk of g.call.bigChunks(600, 512 * 1024)) {
      expect((chunk as Uint8Array)[0]).toBe(count % 256);
      count++;
    }
    expect(count).toBe(600);
  });

  it("a broadcast whose answers are 3 x 48 MiB delivers them all", async () => {
    const { folder } = await controller();
    for (const name of ["ab", "abc", "abcd"]) {
      const peer = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: name });
      await peer.waitForLine(/^READY$/);
    }
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent" });
    const answers = await g.call.bigMenu(48 * MiB).broadcast({ returnResult: true, timeout: 60 });
    expect(Object.fromEntries(Object.entries(answers).map(([name, value]) => [name, (value as Uint8Array).length]))).toEqual({ ab: 48 * MiB, abc: 48 * MiB, abcd: 48 * MiB });
    expect(await g.call.add(1, 1)).toBe(2);
  }, 60_000);

  it("a node that is cut off (it did not read while 4x its bound piled up) sees its link end, its calls fail typed, and it comes back", async () => {
    const { cli, folder } = await controller("--max-queued-bytes", String(MiB), "--max-message-size", String(2 * MiB));
    const worker = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "worker", DAFFI_MAX_MESSAGE_SIZE: String(2 * MiB) });
    await worker.waitForLine(/^READY$/);
    let disconnects = 0;
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent", maxMessageSize: 2 * MiB, onNodeDisconnect: () => disconnects++ });
    const calls = Array.from({ length: 12 }, () => settled(g.call.bytes(MiB + 512 * 1024).fg({ timeout: 10 })));
    await new Promise((resolve) => setImmediate(resolve)); // the calls are out
    const busyUntil = Date.now() + 1500;
    while (Date.now() < busyUntil); // this process reads nothing meanwhile: 18 MiB of answers pile up at the controller
    const outcomes = await Promise.all(calls);
    const counts = codes(outcomes);
    await cli.waitForLine(/does not read what is sent to it .*: it is disconnected/, 5000);
    expect(counts.UNTYPED).toBeUndefined();
    expect(counts.NODE_DISCONNECTED).toBeGreaterThan(0);
    expect(disconnects).toBe(1);
    await g.waitFunction("add", { timeout: 10 });
    expect(await g.call.add(2, 3).fg({ timeout: 5 })).toBe(5);
  });
});

describe("the executor never dies of an answer", () => {
  it("a collected item right at the size limit is refused with PayloadTooLargeError; the node lives", async () => {
    const { folder } = await controller("--max-message-size", String(MiB));
    const streamer = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "streamer", DAFFI_MAX_MESSAGE_SIZE: String(MiB) });
    await streamer.waitForLine(/^READY$/);
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent", maxMessageSize: MiB });
    expect(await settled(g.call.exactItem(MiB - 16 * 1024).fg({ timeout: 10 }))).toBeInstanceOf(PayloadTooLargeError);
    expect(await g.call.add(1, 2)).toBe(3);
    expect(streamer.exitedEarly()).toBe(false);
  });

  it("collecting a million tiny items stays within the limit in memory and does not hold the event loop", async () => {
    const { folder } = await controller("--heartbeat", "1", "--max-message-size", String(8 * MiB));
    const streamer = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "streamer", DAFFI_HEARTBEAT: "1", DAFFI_MAX_MESSAGE_SIZE: String(8 * MiB) });
    await streamer.waitForLine(/^READY$/);
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent", heartbeat: 1, maxMessageSize: 8 * MiB });
    const before = rssOf(streamer.pid);
    const [collected, meanwhile] = await Promise.all([settled(g.call.endlessChunks(1).fg({ timeout: 30 })), (async () => (await sleep(200), g.call.add(1, 1).fg({ timeout: 5 })))()]);
    expect(collected).toBeInstanceOf(PayloadTooLargeError);
    expect(meanwhile).toBe(2); // answered while the generator ran
    expect(rssOf(streamer.pid) - before).toBeLessThan(150 * MiB);
  });

  it("a generator whose finally throws, ended early, leaves the node running", async () => {
    const { folder } = await controller();
    const streamer = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "streamer" });
    await streamer.waitForLine(/^READY$/);
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent" });
    for await (const item of g.call.badFinally()) if ((item as number) > 3) break;
    await sleep(200);
    expect(await g.call.add(1, 1)).toBe(2);
    expect(streamer.exitedEarly()).toBe(false);
  });

  it("calls their callers gave up on still count in maxConcurrentCalls until they return", async () => {
    const { folder } = await controller();
    const busy = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "busy", DAFFI_MAX_CONCURRENT_CALLS: "50" });
    await busy.waitForLine(/^READY$/);
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent" });
    const abandoned = await Promise.all(Array.from({ length: 50 }, () => settled(g.call.slowEcho("x", 2).fg({ timeout: 0.1 }))));
    expect(codes(abandoned)).toEqual({ TIMEOUT: 50 });
    expect(await settled(g.call.add(1, 1).fg({ timeout: 5 }))).toBeInstanceOf(OverloadedError);
    await sleep(2200);
    expect(await g.call.add(1, 1)).toBe(2);
  });
});
