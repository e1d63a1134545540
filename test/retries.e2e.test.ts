// Opt-in retries (issue 18, item 7): a call is tried again — on another provider when there is one —
// only when its error proves it never started; never after the callback may have run.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { callback, CallbackNotFoundError, ConfigurationError, FG, Global, NodeDisconnectedError, OverloadedError } from "../runtime";
import { settled } from "./helpers/settled";
import type { Spawned } from "./helpers/Spawned";
import { type Connection, startSystem, stopSystem } from "./helpers/system";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let g: Global;
let connection: Connection;
let nodes: Spawned[];

beforeAll(async () => {
  ({ g, connection, nodes } = await startSystem(
    [
      { script: "test/fixtures/limited-peer.js", env: { DAFFI_NAME: "r-a" } },
      { script: "test/fixtures/limited-peer.js", env: { DAFFI_NAME: "r-b" } },
    ],
    "retrier",
  ));
  await g.waitFunction("limitStats_r-b");
});
afterAll(() => stopSystem(g));

describe("retries", () => {
  it("a call refused for want of room (OverloadedError) is retried on the provider that has some", async () => {
    const occupier = await Global.start({ processName: "occupier", ...connection.options, logLevel: "silent" });
    try {
      const holding = occupier.call.narrow!(4000).fg({ timeout: 10 });
      await sleep(200);
      const busy = ((await g.call["limitStats_r-a"]!()) as { running: number }).running > 0 ? "r-a" : "r-b";
      const free = busy === "r-a" ? "r-b" : "r-a";
      const without = await Promise.all(Array.from({ length: 12 }, () => settled(g.call.narrow!(1).fg({ timeout: 5 }))));
      // Random balancing without a retry: some land on the busy one (each with chance 1/2; all 12 missing it: 1 in 4096).
      expect(without.some((outcome) => outcome instanceof OverloadedError)).toBe(true);
      for (let i = 0; i < 12; i++) expect(await g.call.narrow!(1).fg({ timeout: 5, retry: { attempts: 3, backoff: 0.01 } })).toBe(free);
      expect(await holding).toBe(busy);
    } finally {
      await occupier.stop();
    }
  });

  it("a call to a callback nobody serves yet is retried until one does (CallbackNotFoundError before it started)", async () => {
    // This process starts serving it while the call is being retried.
    const pending = g.call.lateArrival!(2).fg({ timeout: 10, retry: { attempts: 6, backoff: 0.1 } });
    await sleep(250);
    callback("lateArrival", (x: number) => x * 21);
    expect(await pending).toBe(42);
    // Without a retry it fails at once.
    expect(await settled(g.call.neverServed!().fg({ timeout: 5 }))).toBeInstanceOf(CallbackNotFoundError);
    // With one, after its last try, the error is the call's.
    expect(await settled(g.call.neverServed!().with(FG({ timeout: 5, retry: { attempts: 2, backoff: 0.01 } })) as Promise<unknown>)).toBeInstanceOf(CallbackNotFoundError);
  });

  it("is never made once the callback may have run: its provider dying mid-call is the call's NodeDisconnectedError", async () => {
    const outcome = await settled(g.call.crash!().fg({ timeout: 10, retry: { attempts: 5, backoff: 0.01 } }));
    expect(outcome).toBeInstanceOf(NodeDisconnectedError);
    await sleep(300);
    const started = nodes.flatMap((node) => node.stdout.filter((line) => line.startsWith("CRASH STARTED")));
    expect(started).toHaveLength(1);
  });

  it("bad retry options are a ConfigurationError", () => {
    expect(() => FG({ retry: { attempts: 1 } })).toThrow(/attempts must be a whole number from 2 to 10/);
    expect(() => FG({ retry: { attempts: 3, backoff: -1 } })).toThrow(ConfigurationError);
    expect(() => FG({ retry: { attempts: 3, jitter: true } as never })).toThrow(/has no option 'jitter'/);
  });
});
