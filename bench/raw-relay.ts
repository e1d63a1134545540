// A plain @grpc/grpc-js relay, no daffi: the cheapest brokered call, a reference for fg_seq.
// The client's stream (/bench.Raw/Echo) is forwarded message by message, bytes untouched, down the
// stream the worker opened (/bench.Raw/Work, bench/raw-worker.ts), and the worker's answers back up.
// Like daffi's controller it is the server of both, and it never decodes what it forwards.
import * as grpc from "@grpc/grpc-js";
import { duplex, RAW_OPTIONS } from "./rawGrpc";

let worker: grpc.ServerDuplexStream<Buffer, Buffer> | undefined;
let client: grpc.ServerDuplexStream<Buffer, Buffer> | undefined;

const server = new grpc.Server(RAW_OPTIONS);
server.addService(
  { echo: duplex("/bench.Raw/Echo"), work: duplex("/bench.Raw/Work") },
  {
    echo: (stream: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      client = stream;
      stream.on("data", (message: Buffer) => worker?.write(message));
      stream.on("end", () => stream.end());
      stream.on("error", () => undefined);
    },
    work: (stream: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      worker = stream;
      stream.on("data", (message: Buffer) => client?.write(message));
      stream.on("error", () => undefined);
      console.log("WORKER");
    },
  },
);

server.bindAsync(process.argv[2]!, grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  console.log(`READY ${port}`);
});
process.on("SIGTERM", () => server.forceShutdown());
