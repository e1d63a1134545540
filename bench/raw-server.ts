// The baseline: a plain @grpc/grpc-js bidirectional stream echoing cbor-x payloads, no daffi.
import * as grpc from "@grpc/grpc-js";
import { decode, encode } from "../runtime/wire/codec";
import { marking } from "./trace/marks";
import { MIB } from "./workloads";

// Buffers as they are; with DAFFI_BENCH_TRACE, every message sent and received is marked.
const serialize = marking("encode");
const deserialize = marking("decode");
const service: grpc.ServiceDefinition = {
  echo: {
    path: "/bench.Raw/Echo",
    requestStream: true,
    responseStream: true,
    requestSerialize: serialize,
    requestDeserialize: deserialize,
    responseSerialize: serialize,
    responseDeserialize: deserialize,
  },
};

const server = new grpc.Server({ "grpc.max_receive_message_length": 64 * MIB, "grpc.max_send_message_length": 64 * MIB });
server.addService(service, {
  echo: (stream: grpc.ServerDuplexStream<Buffer, Buffer>) => {
    stream.on("data", (message: Buffer) => {
      const request = decode<{ stream?: number; value?: unknown }>(message);
      if (request.stream !== undefined) {
        // One-way stream: `stream` small items, with the stream's own flow control.
        let i = 0;
        const pump = () => {
          while (i < request.stream!) {
            if (!stream.write(encode({ i: i++ }))) return void stream.once("drain", pump);
          }
        };
        pump();
      } else {
        stream.write(encode(request.value));
      }
    });
    stream.on("end", () => stream.end());
    stream.on("error", () => undefined);
  },
});

const target = process.argv[2]!;
server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  console.log(`READY ${port}`);
});
process.on("SIGTERM", () => server.forceShutdown());
