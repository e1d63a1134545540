// What the baseline's processes share (bench/raw-*.ts): plain @grpc/grpc-js, Buffers as they are.
import type * as grpc from "@grpc/grpc-js";
import { marking } from "./trace/marks";
import { MIB } from "./workloads";

/** The same message size limit as daffi's default, on servers and clients. */
export const RAW_OPTIONS = { "grpc.max_receive_message_length": 64 * MIB, "grpc.max_send_message_length": 64 * MIB };

/** The identity on Buffers; with DAFFI_BENCH_TRACE, every message sent and received is marked. */
export const serialize = marking("encode");
export const deserialize = marking("decode");

/** A bidirectional streaming method at `path`, carrying Buffers. */
export function duplex(path: string): grpc.MethodDefinition<Buffer, Buffer> {
  return { path, requestStream: true, responseStream: true, requestSerialize: serialize, requestDeserialize: deserialize, responseSerialize: serialize, responseDeserialize: deserialize };
}
