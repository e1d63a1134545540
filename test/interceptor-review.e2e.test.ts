// Findings of the review of interceptors and limits (issue 18), each shown first, then fixed: calls,
// streams and places while incoming steps are still running, and a reader stopping early.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { args, type Args, Fetcher, Global } from "../runtime";
import { settled } from "./helpers/settled";
import { type Connection, startSystem, stopSystem } from "./helpers/system";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let g: Global;
let connection: Connection;

class Sinks extends Fetcher {
  *slow_sink(count: number): Generator<Args> {
    for (let i = 0; i < count; i++) yield args(i);
  }
  *slow_limitedSink(ms: number[]): Generator<Args> {
    for (const each of ms) yield args(each);
  }
  *cached_sink(count: number): Generator<Args> {
    for (let i = 0; i < count; i++) yield args(i);
  }
}
/** Its outcome, or "HANG" when it has none within `ms`. */
const within = <T>(running: unknown, ms: number) => Promise.race([(running as Promise<T>).then((value) => ({ value }), (error: unknown) => ({ error: String(error) })), sleep(ms).then(() => "HANG" as const)]);

beforeAll(async () => {
  ({ g, connection } = await startSystem([{ script: "test/fixtures/slow-steps-peer.js", env: { DAFFI_NAME: "slow-steps" } }], "driver"));
  await g.waitFunction("runs_");
});
afterAll(() => stopSystem(g));

describe("while incoming steps run", () => {
  it("an empty stream written to a callback ends (its STREAM_END came before the steps let it on)", async () => {
    const sinks = new Sinks();
    expect(await within(sinks.slow_sink(1), 3000)).not.toBe("HANG");
    expect(await within(sinks.slow_sink(0), 3000)).not.toBe("HANG");
  });

  it("an empty stream queued behind a callback's limit ends, and gives its place back", async () => {
    const sinks = new Sinks();
    const first = within(sinks.slow_limitedSink([400]), 5000);
    await sleep(100);
    const empty = within(sinks.slow_limitedSink([]), 3000);
    expect(await first).not.toBe("HANG");
    expect(await empty).not.toBe("HANG");
    expect(await within(sinks.slow_limitedSink([10]), 3000)).not.toBe("HANG");
    expect((await g.call.runs_!()) as string[]).toContain("limitedSink 10");
  });

  it("a stream written to a callback that an incoming step answers itself ends for its writer (the items are not sent)", async () => {
    expect(await within(new Sinks().cached_sink(3), 3000)).not.toBe("HANG");
    expect((await g.call.runs_!()) as string[]).not.toContain("cached 0");
  });

  it("a reader that stops while the steps run: its callback does not start, and no place is lost", async () => {
    const before = ((await g.call.runs_!()) as string[]).filter((run) => run === "count").length;
    for (let i = 0; i < 3; i++) {
      const iterator = (g.call.slow_count!(1000) as AsyncIterable<number>)[Symbol.asyncIterator]();
      void iterator.next().catch(() => undefined);
      await sleep(5);
      await iterator.return!();
    }
    await sleep(300);
    // maxConcurrentCalls is 3: three leaked places would refuse this one.
    expect(await settled(g.call.slow_plain!(7).fg({ timeout: 3 }))).toBe(7);
    expect(((await g.call.runs_!()) as string[]).filter((run) => run === "count").length).toBe(before);
  });
});

describe("a reader stopping before an outgoing step lets its stream start", () => {
  it("the step's next() settles (CancelledError): its own code after it runs", async () => {
    const log: string[] = [];
    const reader = await Global.start({
      processName: "early-reader",
      ...connection.options,
      logLevel: "silent",
      interceptors: [
        {
          outgoing: async (call, next) => {
            await sleep(100);
            try {
              return await next(call);
            } finally {
              log.push(`end ${call.name}`);
            }
          },
        },
      ],
    });
    try {
      const iterator = (reader.call.slow_count!(3) as AsyncIterable<number>)[Symbol.asyncIterator]();
      await iterator.return!();
      await sleep(400);
      expect(log).toEqual(["end slow_count"]);
    } finally {
      await reader.stop();
    }
  });
});
