// A stream's producer keeps within the credit its consumer granted: a hostile peer that sends items
// past it gets its stream ended with ProtocolError, either way, instead of filling the consumer's memory.
import { afterAll, beforeAll, expect, it } from "@jest/globals";
import * as grpc from "@grpc/grpc-js";
import { callback, Global, ProtocolError } from "../runtime";
import { decode, encode } from "../runtime/wire/codec";
import type { Frame, ReceivedFrame } from "../runtime/wire/Frame";
import { Kind } from "../runtime/wire/Kind";
import { PROTOCOL_VERSION } from "../runtime/wire/limits";
import { decodeBatch, encodeBatch } from "../runtime/wire/protocol";
import { killAll } from "./helpers/Spawned";
import { type Connection, startController } from "./helpers/system";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let connection: Connection;
let g: Global;
let slowItems = 0;

beforeAll(async () => {
  ({ connection } = await startController("tcp"));
  callback("slowSink", async (item: number) => {
    void item;
    slowItems++;
    await sleep(50);
  });
  g = await Global.start({ processName: "consumer", ...connection.options, logLevel: "silent", direct: false });
});
afterAll(async () => {
  await g.stop();
  await killAll();
});

/** A raw node on the controller: what a hostile program can send. */
function rawNode(name: string, callbacks: string[]): { frames: ReceivedFrame[]; send(frames: Frame[]): void; close(): void } {
  const client = new grpc.Client(`127.0.0.1:${connection.options.port}`, grpc.credentials.createInsecure());
  const stream = client.makeBidiStreamRequest<{ frames: Frame[] }, ReceivedFrame[]>("/daffi.Daffi/Connect", encodeBatch, decodeBatch);
  const frames: ReceivedFrame[] = [];
  stream.on("data", (batch: ReceivedFrame[]) => frames.push(...batch));
  stream.on("error", () => undefined);
  stream.write({ frames: [{ kind: Kind.HELLO, name, payload: encode({ protocol: PROTOCOL_VERSION, callbacks }) }] });
  return { frames, send: (batch) => stream.write({ frames: batch }), close: () => client.close() };
}

async function until<T>(find: () => T | undefined, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
    await sleep(20);
  }
}

it("a caller writing items past its credit: the executor ends the stream with ProtocolError, the callback stops being fed", async () => {
  const flooder = rawNode("flooder", []);
  try {
    await until(() => flooder.frames.find((frame) => frame.kind === Kind.WELCOME), 5000, "WELCOME");
    await g.waitFunction("slowSink");
    flooder.send([{ kind: Kind.CALL, callId: 1, name: "slowSink", itemStream: true, payload: encode([]) }]);
    const items: Frame[] = Array.from({ length: 3000 }, (_, i) => ({ kind: Kind.STREAM_ITEM, callId: 1, payload: encode([i]) }));
    for (let i = 0; i < items.length; i += 500) flooder.send(items.slice(i, i + 500));
    const error = await until(() => flooder.frames.find((frame) => frame.kind === Kind.ERROR && frame.callId === 1), 5000, "ERROR for the flooded stream");
    expect(decode<{ code: string; message: string }>(error.payload)).toMatchObject({ code: "PROTOCOL", message: expect.stringMatching(/beyond the credit/) });
    const ran = slowItems;
    await sleep(300);
    expect(slowItems - ran).toBeLessThanOrEqual(1); // what was queued is dropped with the stream
  } finally {
    flooder.close();
  }
});

it("an executor sending items past the reader's credit: the reader gets ProtocolError", async () => {
  const flooder = rawNode("flood-server", ["flood"]);
  try {
    await until(() => flooder.frames.find((frame) => frame.kind === Kind.WELCOME), 5000, "WELCOME");
    await g.waitFunction("flood");
    const read = (async () => {
      let count = 0;
      for await (const item of g.call.flood!() as AsyncIterable<number>) {
        void item;
        if (++count % 50 === 0) await sleep(20); // a slow reader
      }
      return count;
    })();
    const call = await until(() => flooder.frames.find((frame) => frame.kind === Kind.CALL && frame.name === "flood"), 5000, "the CALL");
    const items: Frame[] = Array.from({ length: 3000 }, (_, i) => ({ kind: Kind.STREAM_ITEM, callId: call.callId, target: "consumer", incarnation: call.incarnation, payload: encode(i) }));
    for (let i = 0; i < items.length; i += 500) flooder.send(items.slice(i, i + 500));
    await expect(read).rejects.toThrow(ProtocolError);
  } finally {
    flooder.close();
  }
});
