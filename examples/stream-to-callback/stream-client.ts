// Spec 2.7 stream from fetcher to callback, client: a generator fetcher method yields args(...) per item.
import { args, type Args, Fetcher, Global } from "daffi";
import { connection } from "../connection";

const PROCESS_NAME = "streamer client";

class StreamerClient extends Fetcher {
  items = Array.from({ length: 100 }, (_, i) => i);

  /** Process stream. */
  *streamToService(): Generator<Args> {
    for (const item of this.items) yield args(item, PROCESS_NAME);
  }

  /** Get all items from service. */
  declare getItems: () => Promise<number[]>;
}

async function main(): Promise<void> {
  const g = await Global.start({ processName: PROCESS_NAME, ...connection() });
  const streamClient = new StreamerClient();
  await streamClient.streamToService();
  // get all items from service after stream processing
  const items = await streamClient.getItems();
  console.log(`${items.length} items, first ${items[0]}, last ${items[items.length - 1]}`);
  await g.stop();
}

void main();
