// The stream checks run on every path (direct links, NATS): a long stream read to its end, an endless
// one broken off (its producer's `finally` runs), and a stream fed to a callback in order.
import { expect } from "@jest/globals";
import { alias, args, type Args, Fetcher } from "../../runtime";
import type { StreamApi } from "../fixtures/streamApi";
import { eventually } from "./eventually";
import type { Spawned } from "./Spawned";

class Streams extends Fetcher<StreamApi> {}
class Feeder extends Fetcher {
  @alias("collect")
  *feedCollect(count: number): Generator<Args> {
    for (let i = 0; i < count; i++) yield args(i);
  }
}

/** `endless` is served by `peers` (they print "endless ended" in its finally) and the stream service (it counts its ends). */
export async function streamsBothWays(peers: Spawned[]): Promise<void> {
  const streams = new Streams();
  let sum = 0;
  for await (const item of streams.range(20_000)) sum += item;
  expect(sum).toBe((20_000 * 19_999) / 2);
  const ended = Promise.any(peers.map((peer) => peer.waitForLine(/endless ended/, 5000)));
  ended.catch(() => undefined); // awaited only when a peer ran it
  let read = 0;
  for await (const item of streams.endless()) if (++read > 5 && typeof item === "number") break;
  const stats = await streams.producerStats();
  if (stats.produced === 0) await ended;
  else await eventually(async () => (await streams.producerStats()).finallyRan >= 1, 5000, "the endless generator's finally");
  await new Feeder().feedCollect(3_000);
  expect(await streams.collected()).toMatchObject({ count: 3_000, inOrder: true });
}
