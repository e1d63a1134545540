// Spec 2.8 stream from callback to fetcher, client: the fetcher method returns an AsyncIterable.
import { Fetcher, fetcher, Global } from "daffi";
import { connection } from "../connection";
import type { Streamer } from "./stream-service";

class StreamerClient extends Fetcher<Streamer> {}

/** The function form of the same fetcher. */
const generateStream = fetcher<(end: number) => AsyncIterable<number>>("generateStream");

async function main(): Promise<void> {
  const g = await Global.start(connection());
  let sum = 0;
  let count = 0;
  for await (const item of new StreamerClient().generateStream(1000)) {
    sum += item;
    count++;
  }
  console.log(`received ${count} items, sum ${sum}`);
  for await (const item of generateStream(3)) console.log(item);
  await g.stop();
}

void main();
