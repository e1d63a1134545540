// The baseline: a plain @grpc/grpc-js bidirectional stream echoing cbor-x payloads, no daffi.
import * as grpc from "@grpc/grpc-js";
import { decode, encode } from "../runtime/wire/codec";
import { duplex, RAW_OPTIONS } from "./rawGrpc";

const server = new grpc.Server(RAW_OPTIONS);
server.addService({ echo: duplex("/bench.Raw/Echo") }, {
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
