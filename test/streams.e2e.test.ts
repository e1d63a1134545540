// Spec 2.7 (fetcher -> callback) and 2.8 (callback -> fetcher): streams with flow control, both ways.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { alias, args, type Args, Fetcher, Global, RemoteError } from "../runtime";
import { STREAM_WINDOW } from "../runtime/node/StreamSink";
import { settled } from "./helpers/settled";
import { startSystem, stopSystem } from "./helpers/system";
import type { StreamApi } from "./fixtures/streamApi";

class StreamClient extends Fetcher<StreamApi> {}

class Feeder extends Fetcher {
  stopped = 0;
  @alias("collect")
  *feedCollect(count: number): Generator<Args> {
    for (let i = 0; i < count; i++) yield args(i);
  }
  @alias("picky")
  async *feedPicky(): AsyncGenerator<Args> {
    try {
      for (let i = 0; i < 1000; i++) yield args(i);
    } finally {
      this.stopped++;
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("streams", () => {
  let g: Global;
  const client = new StreamClient();
  const feeder = new Feeder();

  beforeAll(async () => {
    ({ g } = await startSystem([{ script: "test/fixtures/stream-service.js" }], "reader"));
  });

  afterAll(() => stopSystem(g));

  describe("2.8 from a callback to the fetcher", () => {
    it("delivers 100,000 items complete and in order", async () => {
      let expected = 0;
      for await (const item of client.range(100_000)) {
        if (item !== expected) throw new Error(`item ${expected} arrived as ${item}`);
        expected++;
      }
      expect(expected).toBe(100_000);
    });

    it("works with g.call and for await, and awaiting collects the items", async () => {
      const items: unknown[] = [];
      for await (const item of g.call.slowRange(3, 1)) items.push(item);
      expect(items).toEqual([0, 1, 2]);
      expect(await g.call.range(4)).toEqual([0, 1, 2, 3]);
    });

    it("holds a fast producer back while the consumer is slow, and break stops it (its finally runs)", async () => {
      const before = (await client.producerStats()).finallyRan;
      let read = 0;
      for await (const item of client.endless()) {
        expect(item).toBe(read);
        read++;
        await sleep(20);
        if (read === 20) break;
      }
      await sleep(200);
      const stats = await client.producerStats();
      // bounded by what was read plus the credit window and what was granted back: not hundreds of thousands
      expect(stats.produced).toBeLessThan(20 + 2 * STREAM_WINDOW + 2);
      expect(stats.finallyRan).toBe(before + 1);
    });

    it("an error mid-stream arrives after the items before it", async () => {
      const items: number[] = [];
      const error = await settled(
        (async () => {
          for await (const item of client.failing(5)) items.push(item);
        })(),
      );
      expect(items).toEqual([0, 1, 2, 3, 4]);
      expect(error).toBeInstanceOf(RemoteError);
      expect(error).toMatchObject({ remoteName: "RangeError", message: "failed after 5" });
    });
  });

  describe("2.7 from a fetcher to the callback", () => {
    it("runs the callback once per item, in order, 100,000 items; resolves when all ran", async () => {
      await feeder.feedCollect(100_000);
      expect(await client.collected()).toEqual({ count: 100_000, inOrder: true, last: 99_999 });
    });

    it("stops at the first failure: the call rejects, the producer is stopped, later items are not run", async () => {
      await expect(feeder.feedPicky()).rejects.toMatchObject({ name: "RemoteError", message: "three is not welcome" });
      expect(feeder.stopped).toBe(1);
      expect(await client.collected()).toMatchObject({ count: 3, inOrder: true });
    });
  });
});
