// The relay's worker (bench/raw-relay.ts): opens /bench.Raw/Work and echoes what comes down it, as the raw server does.
import * as grpc from "@grpc/grpc-js";
import { decode, encode } from "../runtime/wire/codec";
import { marking } from "./trace/marks";
import { MIB } from "./workloads";

const client = new grpc.Client(process.argv[2]!, grpc.credentials.createInsecure(), { "grpc.max_receive_message_length": 64 * MIB, "grpc.max_send_message_length": 64 * MIB });
const stream = client.makeBidiStreamRequest<Buffer, Buffer>("/bench.Raw/Work", marking("encode"), marking("decode"));
stream.on("data", (message: Buffer) => stream.write(encode(decode<{ value?: unknown }>(message).value)));
stream.on("error", () => undefined);
