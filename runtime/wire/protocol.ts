// The gRPC service of proto/daffi.proto for grpc-js: one bidirectional stream of Batches per node.
import type { ServiceDefinition } from "@grpc/grpc-js";
import { decodeBatch, decodeBatchForwarding, encodeBatch } from "./batchCodec";

export { type Batch, decodeBatch, encodeBatch } from "./batchCodec";

// Requests are decoded by the controller only, which forwards their frames' bytes (decodeBatchForwarding).
const connect = {
  path: "/daffi.Daffi/Connect",
  requestStream: true,
  responseStream: true,
  requestSerialize: encodeBatch,
  requestDeserialize: decodeBatchForwarding,
  responseSerialize: encodeBatch,
  responseDeserialize: decodeBatch,
};

export const DaffiService = { connect } as unknown as ServiceDefinition;
