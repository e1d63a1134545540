// The wire protocol: the TypeScript mirror of proto/daffi.proto, batch framing, CBOR payloads, errors.
import { describe, expect, it } from "@jest/globals";
import { CallbackNotFoundError, DaffiError, RemoteError, ValidationError } from "../runtime";
import { fromWireError, toWireError } from "../runtime/errors/wireError";
import { resolveAddress, grpcTarget } from "../runtime/wire/address";
import { decode, encode } from "../runtime/wire/codec";
import { Kind, Mode } from "../runtime/wire/Kind";
import { decodeBatch, encodeBatch, protoEnum } from "../runtime/wire/protocol";
import { localLink } from "../runtime/wire/LocalLink";
import { Global } from "../runtime";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

describe("proto/daffi.proto", () => {
  it("declares the same frame kinds and modes as the runtime uses", () => {
    const { KIND_UNSPECIFIED, ...kinds } = protoEnum("Kind");
    expect(KIND_UNSPECIFIED).toBe(0);
    expect(kinds).toEqual(Kind);
    expect(protoEnum("Mode")).toEqual(Mode);
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

  it("rejects malformed bytes with an exception, not a crash", () => {
    expect(() => decodeBatch(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow();
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
