// BROADCAST streams from a fetcher to a callback (the original's behaviour): every item reaches every provider, each with its own flow control.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { alias, args, type Args, type AsyncResult, BG, BROADCAST, type BroadcastResult, CallbackNotFoundError, ConfigurationError, Fetcher, FG, type Global, NO_RETURN, RemoteError, TimeoutError } from "../runtime";
import { STREAM_WINDOW } from "../runtime/node/StreamSink";
import { settled } from "./helpers/settled";
import { startSystem, stopSystem } from "./helpers/system";

const SERVICE = "test/fixtures/stream-service.js";

class Feeder extends Fetcher {
  static execModifier = BROADCAST({ returnResult: true });
  produced = 0;
  stopped = 0;
  /** Called every 100 items with how many were produced; may wait (the test looks at the providers there). */
  onHundred?: (produced: number) => Promise<void>;

  @alias("slowCollect")
  async *feedSlow(count: number): AsyncGenerator<Args> {
    for (let i = 0; i < count; i++) {
      if (i % 100 === 0) await this.onHundred?.(this.produced);
      this.produced++;
      yield args(i);
    }
  }

  @alias("choosy")
  async *feedChoosy(count: number): AsyncGenerator<Args> {
    try {
      for (let i = 0; i < count; i++) yield args(i);
    } finally {
      this.stopped++;
    }
  }

  pickyProduced = 0;
  pickyStopped = 0;
  @alias("picky")
  *feedPicky(count: number): Generator<Args> {
    try {
      for (let i = 0; i < count; i++, this.pickyProduced++) yield args(i);
    } finally {
      this.pickyStopped++;
    }
  }

  /** Items that do not fit collect(value: number): each provider's node refuses them. */
  @alias("collect")
  *feedStrings(): Generator<Args> {
    yield args(1);
    yield args("two");
  }

  @alias("nobodyServesThis")
  *feedNobody(): Generator<Args> {
    yield args(1);
  }
}

type Collected = { count: number; inOrder: boolean; last: number | undefined };

describe("BROADCAST streams to callbacks", () => {
  let g: Global;
  const feeder = new Feeder();
  const run = <T>(method: unknown, ...rest: unknown[]) => (method as (...a: unknown[]) => Promise<T>)(...rest);
  const collected = async () => (await g.call.collected().with(BROADCAST({ returnResult: true }))) as Record<string, Collected>;

  beforeAll(async () => {
    ({ g } = await startSystem(
      [
        { script: SERVICE, env: { DAFFI_NAME: "fast-1" } },
        { script: SERVICE, env: { DAFFI_NAME: "fast-2", DAFFI_CHOOSY: "1" } },
        { script: SERVICE, env: { DAFFI_NAME: "slow", DAFFI_SLOW_MS: "2" } },
      ],
      "feeder",
    ));
  });

  afterAll(() => stopSystem(g));

  it("every item reaches every provider, in order; the result is the items each ran; the slowest holds the producer back", async () => {
    await collected(); // reset
    let furthestAhead = 0;
    feeder.onHundred = async (produced) => {
      const progress = (await g.call.progress().with(BROADCAST({ returnResult: true }))) as Record<string, number>;
      furthestAhead = Math.max(furthestAhead, produced - progress.slow!);
    };
    const count = 1500;
    const result = await run<BroadcastResult<number>>(feeder.feedSlow, count);
    feeder.onHundred = undefined;
    expect(result).toEqual({ "fast-1": count, "fast-2": count, slow: count });
    const seen = await collected();
    for (const process of ["fast-1", "fast-2", "slow"]) expect(seen[process]).toEqual({ count, inOrder: true, last: count - 1 });
    // The producer was never more than the slow provider's window (plus what travelled meanwhile) ahead of it.
    expect(furthestAhead).toBeGreaterThan(0);
    expect(furthestAhead).toBeLessThanOrEqual(STREAM_WINDOW + 100);
  });

  it("a provider that fails has its error as its entry; the others get every item", async () => {
    await collected();
    const result = await run<BroadcastResult<number>>(feeder.feedChoosy, 10);
    expect(result["fast-1"]).toBe(10);
    expect(result.slow).toBe(10);
    expect(result["fast-2"]).toBeInstanceOf(RemoteError);
    expect((result["fast-2"] as RemoteError).message).toBe("fast-2 does not take three");
    expect(feeder.stopped).toBe(1);
    const seen = await collected();
    expect(seen["fast-1"]!.count).toBe(10);
    expect(seen["fast-2"]!.count).toBe(3); // 0, 1, 2: it stopped at the first failure
  });

  it("when every provider fails, the producer stops at once (its finally runs)", async () => {
    const result = await run<BroadcastResult<number>>((feeder.feedPicky as unknown as { with(m: unknown): unknown }).with(BROADCAST({ returnResult: true })), 1_000_000);
    for (const process of ["fast-1", "fast-2", "slow"]) expect(result[process]).toBeInstanceOf(RemoteError);
    expect(feeder.pickyStopped).toBe(1);
    expect(feeder.pickyProduced).toBeLessThanOrEqual(STREAM_WINDOW + 10); // not a million: it stopped once the last provider failed
  });

  it("without returnResult it resolves undefined once all ran; FG still goes to one provider; other modifiers are refused", async () => {
    await collected();
    const withModifier = (modifier: unknown) => (feeder.feedChoosy as unknown as { with(m: unknown): (...a: unknown[]) => Promise<unknown> }).with(modifier);
    expect(await withModifier(BROADCAST)(3)).toBeUndefined();
    expect(Object.values(await collected()).map((c) => c.count)).toEqual([3, 3, 3]);
    await withModifier(FG)(2);
    expect(Object.values(await collected()).map((c) => c.count).sort()).toEqual([0, 0, 2]);
    await expect((withModifier(BG())(1) as unknown as AsyncResult<unknown>).get()).rejects.toThrow(ConfigurationError);
    await expect(withModifier(NO_RETURN)(1)).rejects.toThrow(/only FG \(one provider\) or BROADCAST \(every provider\) applies, not NO_RETURN/);
  });

  it("timeout bounds the whole stream: whoever has not finished gets TimeoutError, the producer stops", async () => {
    const slowFeed = (feeder.feedSlow as unknown as { with(m: unknown): (...a: unknown[]) => Promise<BroadcastResult<number>> }).with(BROADCAST({ returnResult: true, timeout: 0.3 }));
    const producedBefore = feeder.produced;
    const result = await slowFeed(100_000);
    // The slow provider (2 ms an item) cannot take 100,000 items in 0.3 s, and it holds the others back.
    for (const process of ["fast-1", "fast-2", "slow"]) expect(result[process]).toBeInstanceOf(TimeoutError);
    expect(feeder.produced - producedBefore).toBeLessThan(100_000);
    await collected();
  });

  it("items are checked on each provider's node against the callback's parameters", async () => {
    await collected();
    const result = await run<BroadcastResult<number>>(feeder.feedStrings);
    for (const process of ["fast-1", "fast-2", "slow"]) expect(result[process]).toMatchObject({ code: "VALIDATION", path: "$input[0]", expected: "number", value: "two" });
    expect(Object.values(await collected()).map((c) => c.count)).toEqual([1, 1, 1]);
  });

  it("with no provider: CallbackNotFoundError", async () => {
    expect(await settled(run(feeder.feedNobody))).toBeInstanceOf(CallbackNotFoundError);
  });
});
