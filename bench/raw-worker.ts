// The relay's worker (bench/raw-relay.ts): opens /bench.Raw/Work and echoes what comes down it, as the raw server does.
import * as grpc from "@grpc/grpc-js";
import { decode, encode } from "../runtime/wire/codec";
import { deserialize, RAW_OPTIONS, serialize } from "./rawGrpc";

const client = new grpc.Client(process.argv[2]!, grpc.credentials.createInsecure(), RAW_OPTIONS);
const stream = client.makeBidiStreamRequest<Buffer, Buffer>("/bench.Raw/Work", serialize, deserialize);
stream.on("data", (message: Buffer) => stream.write(encode(decode<{ value?: unknown }>(message).value)));
stream.on("error", () => undefined);
