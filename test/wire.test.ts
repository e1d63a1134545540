// The wire protocol: the TypeScript mirror of proto/daffi.proto, batch framing, CBOR payloads, errors.
import { describe, expect, it } from "@jest/globals";
import { CallbackNotFoundError, ConfigurationError, DaffiError, RemoteError, ValidationError } from "../runtime";
import { fromWireError, toWireError } from "../runtime/errors/wireError";
import { resolveAddress, grpcTarget } from "../runtime/wire/address";
import { decode, encode } from "../runtime/wire/codec";
import { Kind, Mode } from "../runtime/wire/Kind";
import fc from "fast-check";
import { ProtocolError } from "../runtime";
import { type Frame, withDefaults } from "../runtime/wire/Frame";
import { decodeBatchForwarding, MAX_FRAMES_PER_BATCH } from "../runtime/wire/batchCodec";
import { FrameWriter } from "../runtime/wire/FrameWriter";
import { decodeBatch, encodeBatch } from "../runtime/wire/protocol";
import { reference } from "./helpers/protoReference";
import { localLink } from "../runtime/link/localLink";
import { Global } from "../runtime";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

describe("proto/daffi.proto", () => {
  it("declares the same frame kinds and modes as the runtime uses", () => {
    const { KIND_UNSPECIFIED, ...kinds } = reference.enumValues("Kind");
    expect(KIND_UNSPECIFIED).toBe(0);
    expect(kinds).toEqual(Kind);
    expect(reference.enumValues("Mode")).toEqual(Mode);
  });

  it("round-trips a batch of frames, payload bytes untouched", () => {
    const payload = encode([1, "two", { three: 3 }]);
    const bytes = encodeBatch({ frames: [{ kind: Kind.CALL, callId: 4_000_000_000, name: "sum", mode: Mode.BG, payload, timeoutMs: 1500 }, { kind: Kind.PING, callId: 7 }] });
    const [call, ping] = decodeBatch(bytes);
    expect(call).toMatchObject({ kind: Kind.CALL, callId: 4_000_000_000, name: "sum", mode: Mode.BG, timeoutMs: 1500, target: "" });
    expect(Buffer.compare(Buffer.from(call!.payload), payload)).toBe(0);
    expect(decode(call!.payload)).toEqual([1, "two", { three: 3 }]);
    expect(ping).toMatchObject({ kind: Kind.PING, callId: 7 });
    expect(decode(ping!.payload)).toBeUndefined();
  });

  it("encodes short and long, ASCII and other strings alike (short ASCII ones are written in JavaScript)", () => {
    for (const text of ["", "echo", "a".repeat(64), "b".repeat(65), "c".repeat(300), "é", "naïve-process", "ü".repeat(64), "日本".repeat(40), "x\u{1F600}y"]) {
      const frame = { kind: Kind.CALL, callId: 1, name: text, source: text, target: text };
      const bytes = encodeBatch({ frames: [frame] });
      expect(bytes.toString("hex")).toBe(reference.encode({ frames: [withoutDefaults(frame)] }).toString("hex"));
      expect(decodeBatch(bytes)[0]).toMatchObject({ name: text, source: text, target: text });
    }
  });

  it("rejects malformed bytes with a ProtocolError, not a crash", () => {
    expect(() => decodeBatch(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow(ProtocolError);
    expect(() => decodeBatch(Buffer.from([0x0a, 0x05, 0x08]))).toThrow(/runs past the end/);
    expect(() => decodeBatch(Buffer.from([0x0a, 0x02, 0x0f, 0x00]))).toThrow(/wire type/);
  });

  // The runtime encodes batches by hand (runtime/wire/batchCodec.ts); protobufjs reading the .proto is the reference.
  const frame = fc.record(
    {
      kind: fc.integer({ min: 0, max: 14 }),
      callId: fc.nat({ max: 0xffff_ffff }),
      name: fc.string({ unit: "binary" }),
      source: fc.string(),
      target: fc.string({ unit: "grapheme" }),
      mode: fc.integer({ min: 0, max: 4 }),
      payload: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      credit: fc.nat({ max: 0xffff_ffff }),
      timeoutMs: fc.nat({ max: 0xffff_ffff }),
      itemStream: fc.boolean(),
      returnResult: fc.boolean(),
      incarnation: fc.nat({ max: 0xffff_ffff }),
      accept: fc.string(),
      preferred: fc.boolean(),
      metadata: fc.dictionary(fc.string().filter((key) => key !== "__proto__"), fc.string(), { maxKeys: 4 }),
      identity: fc.string(),
    },
    { requiredKeys: ["kind"] },
  );
  const full = (f: Frame) => ({ ...withDefaults(f), payload: Buffer.from(f.payload ?? []).toString("hex") });
  // protobufjs turns lone surrogates into U+FFFD, as UTF-8 must.
  const wellFormed = (text: string) => Buffer.from(text, "utf8").toString("utf8");
  const asSent = (f: Frame) => ({ ...full(f), name: wellFormed(f.name ?? ""), source: wellFormed(f.source ?? ""), target: wellFormed(f.target ?? "") });

  // proto3 leaves fields at their default out; protobufjs writes whatever the object holds.
  const withoutDefaults = (f: Frame) =>
    Object.fromEntries(
      Object.entries(f).filter(([key, value]) => value !== 0 && value !== "" && value !== false && (value as Uint8Array).length !== 0 && !(key === "metadata" && Object.keys(value as object).length === 0)),
    ) as Frame;

  it("encodes every batch to the same bytes as protobufjs, and decodes what protobufjs encodes", () => {
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 6 }), (frames) => {
        const bytes = encodeBatch({ frames: frames as Frame[] });
        expect(bytes.toString("hex")).toBe(reference.encode({ frames: (frames as Frame[]).map(withoutDefaults) }).toString("hex"));
        const viaReference = reference.decode(bytes).map((f) => full(f as unknown as Frame));
        expect(viaReference).toEqual(frames.map((f) => asSent(f as Frame)));
        expect(decodeBatch(reference.encode({ frames: frames as Frame[] })).map(full)).toEqual(viaReference);
      }),
      { numRuns: 2000 },
    );
  });

  it("forwards a frame as its received bytes with the new source, and a changed header anew", () => {
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 6 }), fc.string(), fc.integer({ min: 1, max: 0xffff_ffff }), fc.string(), (frames, source, incarnation, identity) => {
        const received = decodeBatchForwarding(reference.encode({ frames: frames as Frame[] }));
        // What the controller does: every frame learns its source (the even ones the caller's incarnation, every third CALL its identity), one changes its mode (and so loses its bytes).
        received.forEach((f, i) => {
          f.source = source;
          if (i % 2 === 0) f.incarnation = incarnation;
          if (i % 3 === 0 && f.kind === Kind.CALL) f.identity = identity;
          if (i === 1 && f.mode !== Mode.NO_RETURN) {
            f.mode = Mode.NO_RETURN;
            f.wire = undefined;
          }
        });
        const viaReference = reference.decode(encodeBatch({ frames: received })).map((f) => full(f as unknown as Frame));
        const expected = (frames as Frame[]).map((f, i) =>
          asSent({ ...f, source, ...(i % 2 === 0 ? { incarnation } : {}), ...(i % 3 === 0 && f.kind === Kind.CALL ? { identity } : {}), ...(i === 1 && f.mode !== Mode.NO_RETURN ? { mode: Mode.NO_RETURN } : {}) }),
        );
        expect(viaReference).toEqual(expected);
        expect(decodeBatch(encodeBatch({ frames: received })).map(full)).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it("skips fields of a newer protocol, in a frame and around it", () => {
    const w = reference.writer();
    w.uint32((1 << 3) | 2).fork();
    w.uint32((5 << 3) | 2).string("target");
    w.uint32((40 << 3) | 0).uint64(2 ** 40);
    w.uint32((41 << 3) | 1).fixed64(7);
    w.uint32((42 << 3) | 5).fixed32(7);
    w.uint32((43 << 3) | 2).bytes(Buffer.from("later"));
    w.uint32((1 << 3) | 0).uint32(Kind.CALL);
    w.ldelim();
    w.uint32((9 << 3) | 2).string("batch field of a newer protocol");
    const [only, ...rest] = decodeBatch(Buffer.from(w.finish()));
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ kind: Kind.CALL, target: "target", name: "", payload: Buffer.alloc(0) });
    // The controller forwards them untouched, for the nodes that know them.
    const [forwarded] = decodeBatchForwarding(Buffer.from(w.finish()));
    forwarded!.source = "caller";
    const bytes = encodeBatch({ frames: [forwarded!] });
    expect(bytes.includes(Buffer.from("later"))).toBe(true);
    expect(decodeBatch(bytes)[0]).toMatchObject({ kind: Kind.CALL, target: "target", source: "caller" });
  });

  it("reads metadata into a record without prototype: '__proto__' is a key like any other, the last of a key wins", () => {
    const w = reference.writer();
    w.uint32((1 << 3) | 2).fork();
    w.uint32((1 << 3) | 0).uint32(Kind.CALL);
    for (const [key, value] of [["__proto__", "polluted"], ["a", "1"], ["a", "2"], ["constructor", "x"]]) {
      w.uint32((15 << 3) | 2).fork().uint32(10).string(key!).uint32(18).string(value!).ldelim();
    }
    w.ldelim();
    const [call] = decodeBatch(Buffer.from(w.finish()));
    expect(Object.getPrototypeOf(call!.metadata)).toBeNull();
    expect({ ...call!.metadata }).toEqual({ ["__proto__"]: "polluted", a: "2", constructor: "x" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const again = decodeBatch(encodeBatch({ frames: [call!] }))[0]!;
    expect(Object.entries(again.metadata)).toEqual([["__proto__", "polluted"], ["a", "2"], ["constructor", "x"]]);
  });

  it("refuses a batch of more frames than a writer ever sends, and writers split above it", () => {
    const emptyFrames = (count: number) => Buffer.from("0a00".repeat(count), "hex");
    expect(decodeBatch(emptyFrames(MAX_FRAMES_PER_BATCH))).toHaveLength(MAX_FRAMES_PER_BATCH);
    expect(() => decodeBatch(emptyFrames(MAX_FRAMES_PER_BATCH + 1))).toThrow(ProtocolError);
    const batches: number[] = [];
    const writer = new FrameWriter({ write: (batch) => (batches.push(decodeBatch(encodeBatch(batch)).length), true) });
    for (let i = 0; i < MAX_FRAMES_PER_BATCH + 10; i++) writer.send({ kind: Kind.PING, callId: i });
    writer.close();
    expect(batches).toEqual([MAX_FRAMES_PER_BATCH, 10]);
  });

  it("decodes payloads without copying them", () => {
    const payload = Buffer.alloc(1024 * 1024, 7);
    const bytes = encodeBatch({ frames: [{ kind: Kind.RESULT, callId: 1, payload }] });
    const [result] = decodeBatch(bytes);
    expect(result!.payload.buffer).toBe(bytes.buffer);
    expect(Buffer.compare(Buffer.from(result!.payload), payload)).toBe(0);
  });

  describe("large payloads (codec's presized encoding, written in place)", () => {
    const big = (size: number, seed: number) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff);
    const header = { kind: Kind.CALL, callId: 77, name: "echo", source: "caller", target: "worker-1", mode: Mode.FG, timeoutMs: 5000 } as const;

    it("encodes a large value into one buffer of about its size (not cbor-x's fourfold growth), and back", () => {
      const value = [big(1024 * 1024, 1), "and", { small: 2 }];
      const payload = encode(value);
      expect(payload.buffer.byteLength).toBeLessThan(1024 * 1024 + 32 * 1024);
      expect(decode(payload)).toEqual(value);
      // An estimate too low (the large part is deeper than one level) still encodes right.
      const nested = { outer: { inner: big(600 * 1024, 2) }, tag: big(300 * 1024, 3) };
      expect(decode(encode(nested))).toEqual(nested);
    });

    it("never writes over a payload still held: small values encoded between large ones keep their bytes", () => {
      const held: Array<[Buffer, Buffer, unknown]> = [];
      for (let round = 0; round < 4; round++) {
        encode([big(300 * 1024, round)]); // large: presized, in a buffer of its own
        const value = { callId: round, text: `caller ${round}'s own payload` };
        const payload = encode(value);
        held.push([payload, Buffer.from(payload), value]);
        encode("x".repeat(1024 * 1024 + round)); // large the other way: cbor-x's own growth
      }
      for (const [payload, copy, value] of held) {
        expect(Buffer.compare(payload, copy)).toBe(0);
        expect(decode(payload)).toEqual(value);
      }
      expect(new Set(held.map(([payload]) => payload.buffer)).size).toBe(held.length);
    });

    it("pins at most twice a large encoding's size, whatever the estimate said", () => {
      const view = new DataView(new ArrayBuffer(4 * 1024 * 1024)); // binary to look at, an empty map to cbor-x
      const tiny = encode([view]);
      expect(tiny.buffer.byteLength).toBeLessThan(64 * 1024);
      const outgrown = encode([big(300 * 1024, 8), { deeper: big(600 * 1024, 9) }]);
      expect(outgrown.buffer.byteLength).toBeLessThanOrEqual(outgrown.length * 2);
      const text = encode("é".repeat(600 * 1024));
      expect(text.buffer.byteLength).toBeLessThanOrEqual(text.length * 2);
      expect(decode(text)).toBe("é".repeat(600 * 1024));
    });

    it("refuses an encode from inside an encode (a getter making a call), and nothing held is touched", () => {
      const held = encode({ mine: "held bytes" });
      const copy = Buffer.from(held);
      const tricky = { get inner() { return encode("inner"); } };
      expect(() => encode([big(300 * 1024, 10), tricky])).toThrow(ConfigurationError);
      expect(() => encode(tricky)).toThrow(ConfigurationError);
      expect(Buffer.compare(held, copy)).toBe(0);
      expect(decode(encode({ after: 1 }))).toEqual({ after: 1 });
    });

    it("a mid-size string, or a value that fails half-way, leaves no grown buffer under later payloads", () => {
      encode("x".repeat(600 * 1024));
      expect(encode({ small: 1 }).buffer.byteLength).toBeLessThanOrEqual(64 * 1024);
      expect(() => encode(["z".repeat(3 * 1024 * 1024), { get boom(): never { throw new Error("boom"); } }])).toThrow("boom");
      expect(encode({ small: 2 }).buffer.byteLength).toBeLessThanOrEqual(64 * 1024);
    });

    it("sends a lone large frame without copying its payload; the frame reads the same, by protobufjs too", () => {
      const payload = encode([big(512 * 1024, 4)]);
      const message = encodeBatch({ frames: [{ ...header, payload }] });
      expect(message.buffer).toBe(payload.buffer); // the header went in front of the payload, in its buffer
      const [frame] = decodeBatch(message);
      expect(frame).toMatchObject(header);
      expect(Buffer.compare(Buffer.from(frame!.payload), payload)).toBe(0);
      const [viaReference] = reference.decode(message);
      expect(viaReference).toMatchObject({ ...header, payload: expect.anything() });
      expect(Buffer.compare(Buffer.from((viaReference as { payload: Uint8Array }).payload), payload)).toBe(0);
    });

    it("writes in front of a payload once: a second send of it (a broadcast, a retry) is a copy, and the first message stays whole", () => {
      const payload = encode([big(400 * 1024, 5)]);
      const first = encodeBatch({ frames: [{ ...header, target: "worker-1", payload }] });
      const firstBytes = Buffer.from(first);
      const second = encodeBatch({ frames: [{ ...header, callId: 78, target: "worker-22", payload }] });
      expect(second.buffer).not.toBe(payload.buffer);
      expect(Buffer.compare(first, firstBytes)).toBe(0);
      expect(decodeBatch(first)[0]).toMatchObject({ callId: 77, target: "worker-1" });
      expect(decodeBatch(second)[0]).toMatchObject({ callId: 78, target: "worker-22" });
      expect(Buffer.compare(Buffer.from(decodeBatch(second)[0]!.payload), payload)).toBe(0);
    });

    it("copies when the frame is not alone or its header does not fit in front of the payload", () => {
      const payload = encode([big(300 * 1024, 6)]);
      const metadata = { "x-long": "v".repeat(2000) };
      const withLongHeader = encodeBatch({ frames: [{ ...header, metadata, payload }] });
      expect(withLongHeader.buffer).not.toBe(payload.buffer);
      expect(decodeBatch(withLongHeader)[0]).toMatchObject({ ...header, metadata });
      const other = encode([big(300 * 1024, 7)]);
      const two = encodeBatch({ frames: [{ kind: Kind.PING, callId: 1 }, { ...header, payload: other }] });
      expect(two.buffer).not.toBe(other.buffer);
      const frames = decodeBatch(two);
      expect(frames.map((f) => f.kind)).toEqual([Kind.PING, Kind.CALL]);
      expect(Buffer.compare(Buffer.from(frames[1]!.payload), other)).toBe(0);
      // The room is still unclaimed: sent alone later, it goes in place.
      expect(encodeBatch({ frames: [{ ...header, payload: other }] }).buffer).toBe(other.buffer);
    });
  });

  it("refuses to encode a field outside uint32", () => {
    expect(() => encodeBatch({ frames: [{ kind: Kind.CALL, callId: 2 ** 32 }] })).toThrow(ProtocolError);
    expect(() => encodeBatch({ frames: [{ kind: Kind.CALL, credit: -1 }] })).toThrow(ProtocolError);
  });
});

describe("errors on the wire", () => {
  it("rebuild daffi errors as the same class with their data", () => {
    const sent = new ValidationError("bad", { path: "$input[1].price", expected: "number", value: "2" });
    const back = fromWireError(decode(encode(toWireError(sent, true))), "calc");
    expect(back).toBeInstanceOf(ValidationError);
    expect(back).toBeInstanceOf(DaffiError);
    expect(back).toMatchObject({ code: "VALIDATION", path: "$input[1].price", expected: "number", value: "2" });
    expect(fromWireError(toWireError(new CallbackNotFoundError("none"), true), "c")).toBeInstanceOf(CallbackNotFoundError);
  });

  it("turn anything a callback throws into RemoteError, even a daffi error", () => {
    const thrown = fromWireError(toWireError(new RangeError("too big")), "calc") as RemoteError;
    expect(thrown).toBeInstanceOf(RemoteError);
    expect(thrown).toMatchObject({ remoteName: "RangeError", message: "too big", processName: "calc" });
    expect(thrown.remoteStack).toContain("RangeError: too big");
    expect(fromWireError(toWireError(new CallbackNotFoundError("inner")), "calc")).toBeInstanceOf(RemoteError);
    expect(fromWireError(toWireError("a string"), "calc")).toMatchObject({ message: "a string", remoteName: "string" });
  });
});

describe("addresses (spec: Global initialization)", () => {
  it("no host and no port: UNIX socket <tmp>/daffi/.sock, or in unixSockPath", () => {
    expect(resolveAddress({})).toEqual({ kind: "unix", folder: path.join(os.tmpdir(), "daffi"), socketPath: path.join(os.tmpdir(), "daffi", ".sock") });
    expect(grpcTarget(resolveAddress({ unixSockPath: "/foo/bar" }))).toBe("unix:/foo/bar/.sock");
  });

  it("only a host: random port; only a port: localhost", () => {
    expect(resolveAddress({ host: "0.0.0.0" })).toEqual({ kind: "tcp", host: "0.0.0.0", port: 0 });
    expect(resolveAddress({ port: 8888 })).toEqual({ kind: "tcp", host: "localhost", port: 8888 });
    expect(grpcTarget(resolveAddress({ host: "::1", port: 5 }))).toBe("[::1]:5");
  });
});

describe("the in-process link (a node in the controller's own process)", () => {
  it("delivers batches in order, with protobuf's defaults filled in, and ends both sides", async () => {
    const [node, controller] = localLink();
    const received: unknown[] = [];
    let closed = 0;
    controller.on("data", (frames: unknown[]) => received.push(...frames));
    controller.on("close", () => closed++);
    node.on("close", () => closed++);
    node.write({ frames: [{ kind: Kind.HELLO, name: "n" }] });
    node.write({ frames: [{ kind: Kind.PING, callId: 7 }] });
    await new Promise((resolve) => setImmediate(resolve));
    expect(received).toEqual([
      expect.objectContaining({ kind: Kind.HELLO, name: "n", callId: 0, target: "", credit: 0, itemStream: false }),
      expect.objectContaining({ kind: Kind.PING, callId: 7, name: "" }),
    ]);
    node.end();
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(2);
    expect(() => node.write({ frames: [] })).toThrow(/closed/);
  });

  it("is what a Global running both a controller and a node uses", async () => {
    const unixSockPath = fs.mkdtempSync(path.join(os.tmpdir(), "daffi-local-"));
    await using g = await Global.start({ initController: true, unixSockPath, logLevel: "silent" });
    const router = (g as unknown as { controller: { router: { all(): Array<{ name: string; peer: string }> } } }).controller.router;
    expect(router.all().map((session) => [session.name, session.peer])).toEqual([[g.processName, "in-process"]]);
  });
});
