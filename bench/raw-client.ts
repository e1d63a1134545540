// Baseline client: the workloads over one raw gRPC stream, same cbor-x payloads. Prints one JSON measurement.
import * as grpc from "@grpc/grpc-js";
import { decode, encode } from "../runtime/wire/codec";
import { deserialize, RAW_OPTIONS, serialize } from "./rawGrpc";
import { MIB, rate, SMALL, spent, units, type Workload } from "./workloads";

// Several targets (comma-separated): fan_out_par100 spreads its calls over them at random, one stream each.
const [targets, workload, secondsText] = process.argv.slice(2) as [string, Workload, string];
const seconds = Number(secondsText);

/** One raw stream to a server; its answers come back in order: a FIFO of waiting callers. */
class RawStream {
  private readonly waiting: Array<(message: Buffer) => void> = [];
  onItem: ((message: Buffer) => void) | undefined;
  readonly stream: grpc.ClientDuplexStream<Buffer, Buffer>;

  constructor(target: string) {
    const client = new grpc.Client(target, grpc.credentials.createInsecure(), RAW_OPTIONS);
    this.stream = client.makeBidiStreamRequest<Buffer, Buffer>("/bench.Raw/Echo", serialize, deserialize);
    this.stream.on("data", (message: Buffer) => (this.onItem ? this.onItem(message) : this.waiting.shift()?.(message)));
  }

  echo(value: unknown): Promise<unknown> {
    return new Promise<unknown>((resolve) => {
      this.waiting.push((message) => resolve(decode(message)));
      this.stream.write(encode({ value }));
    });
  }
}

const streams = targets.split(",").map((target) => new RawStream(target));
const first = streams[0]!;
const echo = (value: unknown) => first.echo(value);
const anyEcho = (value: unknown) => streams[Math.floor(Math.random() * streams.length)]!.echo(value);

async function measure(): Promise<number> {
  switch (workload) {
    case "fg_seq":
    case "fg_seq_fetcher":
      return rate(seconds, async () => (await echo(SMALL), 1));
    case "fg_par100":
      return rate(seconds, async () => (await Promise.all(Array.from({ length: 100 }, () => echo(SMALL)))).length);
    case "fan_out_par100":
      return rate(seconds, async () => (await Promise.all(Array.from({ length: 100 }, () => anyEcho(SMALL)))).length);
    case "payload_1mb": {
      const payload = new Uint8Array(MIB);
      return rate(seconds, async () => (await echo(payload), 1));
    }
    case "stream": {
      let received = 0;
      first.onItem = (message) => {
        decode(message);
        received++;
      };
      first.stream.write(encode({ stream: 50_000_000 }));
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
  console.log(JSON.stringify({ value, unit: units[workload], providers: streams.length, ...spent }));
  process.exit(0);
});
