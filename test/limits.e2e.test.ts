// Concurrency limits (issue 18, item 6): a callback's bulkhead on the executing node — at most
// `concurrency` calls run, `queue` wait (their deadline and cancellation still count), the rest get
// OverloadedError at once — and least-busy balancing passing over a provider without room.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { callback, CancelledError, ConfigurationError, Global, limit, OverloadedError, TimeoutError } from "../runtime";
import { settled } from "./helpers/settled";
import { type Connection, startSystem, stopSystem } from "./helpers/system";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let g: Global;
let connection: Connection;

beforeAll(async () => {
  ({ g, connection } = await startSystem(
    [
      { script: "test/fixtures/limited-peer.js", env: { DAFFI_NAME: "room-a" } },
      { script: "test/fixtures/limited-peer.js", env: { DAFFI_NAME: "room-b" } },
    ],
    "driver",
  ));
  await g.waitFunction("limitStats_room-b");
  await g.waitFunction("one");
});
afterAll(() => stopSystem(g));

interface Stats {
  started: number;
  running: number;
  most: number;
  keys: string[];
}
const stats = async (peer: string) => (await g.call[`limitStats_${peer}`]!()) as Stats;
const codeOf = (outcome: unknown) => (outcome instanceof Error ? outcome.name : "ok");
const tally = (outcomes: unknown[]) => outcomes.map(codeOf).reduce<Record<string, number>>((counts, code) => ({ ...counts, [code]: (counts[code] ?? 0) + 1 }), {});

describe("a callback's concurrency limit", () => {
  it("runs at most `concurrency` calls, queues `queue` more in order, refuses the rest at once with OverloadedError", async () => {
    const before = await stats("room-a");
    const started = Date.now();
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => settled(g.call["held_room-a"]!(`burst-${i}`, 300).fg({ timeout: 10 }))));
    expect(tally(outcomes)).toEqual({ ok: 5, OverloadedError: 5 });
    expect(outcomes.filter((outcome) => outcome instanceof OverloadedError).every((error) => /runs 2 calls \(its concurrency\) and 3 wait/.test((error as Error).message))).toBe(true);
    const after = await stats("room-a");
    expect(after.started - before.started).toBe(5);
    expect(after.most).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(850); // 5 calls of 300 ms, 2 at a time: three rounds
  });

  it("a queued call whose deadline passes, or that is cancelled, leaves the queue without running", async () => {
    const before = await stats("room-a");
    const running = [g.call["held_room-a"]!("long-1", 600).fg({ timeout: 10 }), g.call["held_room-a"]!("long-2", 600).fg({ timeout: 10 })];
    await sleep(100);
    const late = await settled(g.call["held_room-a"]!("too-late", 10).fg({ timeout: 0.2 }));
    expect(late).toBeInstanceOf(TimeoutError);
    const cancelled = g.call["held_room-a"]!("cancelled", 10).bg();
    await sleep(50);
    cancelled.cancel();
    expect(await settled(cancelled.get())).toBeInstanceOf(CancelledError);
    expect(await Promise.all(running)).toEqual(["long-1", "long-2"]);
    await sleep(100);
    const after = await stats("room-a");
    expect(after.keys.slice(before.keys.length)).toEqual(["long-1", "long-2"]);
  });

  it("@limit on a Callback class method", async () => {
    const outcomes = await Promise.all(Array.from({ length: 3 }, () => settled(g.call.one!(200).fg({ timeout: 5 }))));
    expect(tally(outcomes)).toEqual({ ok: 1, OverloadedError: 2 });
  });

  it("least-busy passes over a provider that had no room", async () => {
    // Another process keeps one provider's only place taken.
    const occupier = await Global.start({ processName: "occupier", ...connection.options, logLevel: "silent" });
    try {
      const holding = occupier.call.narrow!(3000).fg({ timeout: 10 });
      await sleep(200);
      const busy = (await stats("room-a")).running > 0 ? "room-a" : "room-b";
      const free = busy === "room-a" ? "room-b" : "room-a";
      const outcomes: unknown[] = [];
      for (let i = 0; i < 12; i++) outcomes.push(await settled(g.call.narrow!(10).fg({ timeout: 5, balancing: "least-busy" })));
      const refused = outcomes.filter((outcome) => outcome instanceof OverloadedError).length;
      expect(refused).toBeLessThanOrEqual(1);
      expect(outcomes.filter((outcome) => outcome === free).length).toBe(12 - refused);
      expect(await holding).toBe(busy);
    } finally {
      await occupier.stop();
    }
  });

  it("bad limits are a ConfigurationError", () => {
    expect(() => limit({ concurrency: 0 })).toThrow(ConfigurationError);
    expect(() => limit({ concurrency: 2, queue: -1 })).toThrow(/queue must be a whole number/);
    expect(() => callback("badLimit", () => 1, { concurrency: 1, burst: 2 } as never)).toThrow(/has no option 'burst'/);
  });
});
