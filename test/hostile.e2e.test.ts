// Hostile input: the controller and the nodes survive garbage, lies and silence; other nodes' calls go on.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import * as http2 from "node:http2";
import * as net from "node:net";
import * as grpc from "@grpc/grpc-js";
import fc from "fast-check";
import { Global, ProtocolError } from "../runtime";
import { NodeSession } from "../runtime/controller/NodeSession";
import { Router } from "../runtime/controller/Router";
import { Logger } from "../runtime/log/Logger";
import { decode, encode } from "../runtime/wire/codec";
import { type Frame, withDefaults } from "../runtime/wire/Frame";
import { FrameWriter } from "../runtime/wire/FrameWriter";
import { Kind } from "../runtime/wire/Kind";
import { PROTOCOL_VERSION } from "../runtime/wire/limits";
import { decodeBatch, encodeBatch } from "../runtime/wire/protocol";
import { CLI, killAll, Spawned } from "./helpers/Spawned";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the frame decoder (property-based)", () => {
  it("either decodes arbitrary bytes into frames or throws a ProtocolError; it never crashes or hangs", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          const frames = decodeBatch(Buffer.from(bytes));
          expect(Array.isArray(frames)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it("round-trips every well-formed batch", () => {
    const frame = fc.record({
      kind: fc.integer({ min: 1, max: 14 }),
      callId: fc.nat({ max: 0xffff_ffff }),
      name: fc.string(),
      target: fc.string(),
      payload: fc.uint8Array({ maxLength: 64 }),
      credit: fc.nat({ max: 0xffff_ffff }),
    });
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 8 }), (frames) => {
        const back = decodeBatch(encodeBatch({ frames: frames as Frame[] }));
        expect(back.map((f) => [f.kind, f.callId, f.name, f.target, Buffer.from(f.payload).toString("hex"), f.credit])).toEqual(
          frames.map((f) => [f.kind, f.callId, f.name, f.target, Buffer.from(f.payload).toString("hex"), f.credit]),
        );
      }),
      { numRuns: 1000 },
    );
  });
});

describe("the router (property-based)", () => {
  it("arbitrary frames from a node never break routing between two others", () => {
    const sent = new Map<string, Frame[]>();
    const session = (name: string) => {
      const frames: Frame[] = [];
      sent.set(name, frames);
      return new NodeSession(new FrameWriter({ write: (batch) => (frames.push(...batch.frames), true) }), () => undefined, name);
    };
    const router = new Router("controller", new Logger("controller", "fuzz", "silent"));
    const [caller, executor, hostile] = [session("caller"), session("executor"), session("hostile")];
    const hello = (name: string, callbacks: string[]) => withDefaults({ kind: Kind.HELLO, name, payload: encode({ protocol: PROTOCOL_VERSION, callbacks }) });
    router.handle(caller, hello("caller", []));
    router.handle(executor, hello("executor", ["work"]));
    router.handle(hostile, hello("hostile", ["work2"]));
    const anyFrame = fc.record({
      kind: fc.integer({ min: 0, max: 20 }),
      callId: fc.nat({ max: 5 }),
      name: fc.constantFrom("", "work", "work2", "nope"),
      source: fc.constantFrom("", "caller", "executor"),
      target: fc.constantFrom("", "caller", "executor", "hostile", "ghost"),
      mode: fc.integer({ min: 0, max: 6 }),
      payload: fc.oneof(fc.uint8Array({ maxLength: 16 }), fc.constant(encode({ callbacks: ["work2", "other"] }))),
      credit: fc.nat({ max: 10 }),
      timeoutMs: fc.nat(),
      itemStream: fc.boolean(),
      returnResult: fc.boolean(),
      incarnation: fc.nat({ max: 4 }),
    });
    let callId = 1000;
    fc.assert(
      fc.property(fc.array(anyFrame, { maxLength: 20 }), (frames) => {
        for (const frame of frames) router.handle(hostile, withDefaults(frame as Frame)); // never throws, on anything the decoder can produce
        // A real call still goes from caller to executor and back.
        const id = ++callId;
        router.handle(caller, withDefaults({ kind: Kind.CALL, callId: id, name: "work", payload: encode([1]) }));
        router.handle(executor, withDefaults({ kind: Kind.RESULT, callId: id, target: "caller", incarnation: caller.incarnation, payload: encode(2) }));
      }),
      { numRuns: 500 },
    );
    return sleep(10).then(() => {
      const answers = (sent.get("caller") ?? []).filter((frame) => frame.kind === Kind.RESULT && (frame.callId ?? 0) > 1000);
      expect(answers.length).toBe(callId - 1000);
      expect(answers.every((frame) => decode(frame.payload!) === 2)).toBe(true);
    });
  });
});

describe("hostile clients on the controller's port", () => {
  let port: number;
  let controller: Spawned;
  let g: Global;

  beforeAll(async () => {
    controller = new Spawned("controller", [CLI, "controller", "--host", "127.0.0.1", "--port", "0", "--heartbeat", "1", "--max-message-size", String(1024 * 1024)]);
    port = Number((await controller.waitForLine(/port: (\d+) \]/))[1]);
    const peer = Spawned.script("test/fixtures/peer.js", { DAFFI_HOST: "127.0.0.1", DAFFI_PORT: String(port), DAFFI_NAME: "honest", DAFFI_MAX_MESSAGE_SIZE: String(1024 * 1024) });
    await peer.waitForLine(/^READY$/);
    g = await Global.start({ host: "127.0.0.1", port, maxMessageSize: 1024 * 1024, logLevel: "silent" });
  });

  afterAll(async () => {
    await g?.stop();
    await killAll();
  });

  const stillWorks = async () => {
    expect(await g.call.add(40, 2)).toBe(42);
    expect(controller.exitedEarly()).toBe(false);
  };

  it("raw TCP garbage", async () => {
    for (const bytes of [Buffer.from("GET / HTTP/1.1\r\n\r\n"), Buffer.alloc(4096, 0xff), Buffer.from(http2.sensitiveHeaders.toString())]) {
      const socket = net.connect(port, "127.0.0.1");
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.on("error", () => undefined);
      socket.end(bytes);
      await sleep(50);
    }
    await stillWorks();
  });

  it("an HTTP/2 request claiming a huge message", async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", () => undefined);
    const request = session.request({ ":method": "POST", ":path": "/daffi.Daffi/Connect", "content-type": "application/grpc", te: "trailers" });
    request.on("error", () => undefined);
    const header = Buffer.from([0, 0x7f, 0xff, 0xff, 0xff]);
    request.end(Buffer.concat([header, Buffer.alloc(1000, 1)]));
    const status = await new Promise<string | undefined>((resolve) => {
      request.on("trailers", (trailers) => resolve(String(trailers["grpc-status"])));
      request.on("response", (headers) => headers["grpc-status"] && resolve(String(headers["grpc-status"])));
      request.on("close", () => resolve(undefined));
    });
    expect(status).not.toBe("0");
    session.close();
    await stillWorks();
  });

  /** A gRPC stream on Connect that sends raw bytes as its messages. */
  function rawStream(): grpc.ClientDuplexStream<Buffer, Buffer> {
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const stream = client.makeBidiStreamRequest<Buffer, Buffer>("/daffi.Daffi/Connect", (b) => b, (b) => b);
    stream.on("error", () => undefined);
    stream.on("close", () => client.close());
    return stream;
  }

  const ended = (stream: grpc.ClientDuplexStream<Buffer, Buffer>) =>
    new Promise<Buffer[]>((resolve) => {
      const received: Buffer[] = [];
      stream.on("data", (data: Buffer) => received.push(data));
      stream.on("error", () => resolve(received));
      stream.on("end", () => resolve(received));
    });

  it("invalid protobuf, invalid CBOR in HELLO, unknown kinds and spoofed answers", async () => {
    const garbage = rawStream();
    const garbageEnded = ended(garbage);
    garbage.write(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]));
    await garbageEnded;

    const badHello = rawStream();
    const badHelloEnded = ended(badHello);
    badHello.write(encodeBatch({ frames: [{ kind: Kind.HELLO, name: "liar", payload: Buffer.from([0xff, 0xfe]) }] }));
    const [refusal] = await badHelloEnded;
    expect(decodeBatch(refusal!)[0]).toMatchObject({ kind: Kind.ERROR, callId: 0 });

    const noHello = rawStream();
    const noHelloEnded = ended(noHello);
    noHello.write(encodeBatch({ frames: [{ kind: Kind.CALL, callId: 1, name: "add", payload: encode([1, 2]) }] }));
    await noHelloEnded;

    const liar = rawStream();
    liar.write(encodeBatch({ frames: [{ kind: Kind.HELLO, name: "liar", payload: encode({ protocol: PROTOCOL_VERSION, callbacks: ["add"] }) }] }));
    await sleep(100);
    liar.write(
      encodeBatch({
        frames: [
          { kind: 99 as Kind, callId: 5 },
          { kind: Kind.RESULT, callId: 1, target: "honest", payload: encode("spoofed") },
          { kind: Kind.STREAM_ITEM, callId: 77, target: "ghost", payload: encode(1) },
          { kind: Kind.CREDIT, callId: 4_000_000_000, credit: 4_000_000_000 },
          { kind: Kind.REGISTER, payload: Buffer.from([0xff]) },
          { kind: Kind.CALL, callId: 2, name: "add", payload: Buffer.from([0xff, 0x00]) },
        ],
      }),
    );
    await sleep(200);
    // "liar" offers "add" too: calls may be routed to it and it never answers; the honest node must still be reachable.
    liar.end();
    await sleep(200);
    await stillWorks();
  });

  it("a client that connects and says nothing is dropped", async () => {
    const silent = rawStream();
    const started = Date.now();
    await ended(silent);
    expect(Date.now() - started).toBeLessThan(5000);
    await stillWorks();
  });

  it("an oversized message closes only the stream that sent it", async () => {
    const big = rawStream();
    const bigEnded = ended(big);
    big.write(encodeBatch({ frames: [{ kind: Kind.HELLO, name: "big", payload: Buffer.alloc(2 * 1024 * 1024) }] }));
    await bigEnded;
    await stillWorks();
  });
});
