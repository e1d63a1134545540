// Baseline client: the workloads over one raw gRPC stream, same cbor-x payloads. Prints one JSON measurement.
import * as grpc from "@grpc/grpc-js";
import { decode, encode } from "../runtime/wire/codec";
import { deserialize, RAW_OPTIONS, serialize } from "./rawGrpc";
import { MIB, rate, SMALL, spent, units, type Workload } from "./workloads";

const [target, workload, secondsText] = process.argv.slice(2) as [string, Workload, string];
const seconds = Number(secondsText);
const client = new grpc.Client(target, grpc.credentials.createInsecure(), RAW_OPTIONS);
const stream = client.makeBidiStreamRequest<Buffer, Buffer>("/bench.Raw/Echo", serialize, deserialize);

// Answers come back in order on the one stream: a FIFO of waiting callers.
const waiting: Array<(message: Buffer) => void> = [];
let onItem: ((message: Buffer) => void) | undefined;
stream.on("data", (message: Buffer) => (onItem ? onItem(message) : waiting.shift()?.(message)));

const echo = (value: unknown) =>
  new Promise<unknown>((resolve) => {
    waiting.push((message) => resolve(decode(message)));
    stream.write(encode({ value }));
  });

async function measure(): Promise<number> {
  switch (workload) {
    case "fg_seq":
    case "fg_seq_fetcher":
      return rate(seconds, async () => (await echo(SMALL), 1));
    case "fg_par100":
      return rate(seconds, async () => (await Promise.all(Array.from({ length: 100 }, () => echo(SMALL)))).length);
    case "payload_1mb": {
      const payload = new Uint8Array(MIB);
      return rate(seconds, async () => (await echo(payload), 1));
    }
    case "stream": {
      let received = 0;
      onItem = (message) => {
        decode(message);
        received++;
      };
      stream.write(encode({ stream: 50_000_000 }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const start = received;
      const started = performance.now();
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      return (received - start) / ((performance.now() - started) / 1000);
    }
    default:
      throw new Error(`no raw baseline for ${workload}`);
  }
}

void measure().then((value) => {
  console.log(JSON.stringify({ value, unit: units[workload], ...spent }));
  process.exit(0);
});
