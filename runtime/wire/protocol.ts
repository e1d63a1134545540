// Loads proto/daffi.proto once and turns it into a grpc-js service definition.
import * as path from "node:path";
import * as protobuf from "protobufjs";
import type { ServiceDefinition } from "@grpc/grpc-js";
import type { Frame, ReceivedFrame } from "./Frame";

/** Where the .proto lives: the package root, three levels above dist/runtime/wire. */
export const PROTO_PATH = path.join(__dirname, "..", "..", "..", "proto", "daffi.proto");

const root = protobuf.loadSync(PROTO_PATH);
const BatchType = root.lookupType("daffi.Batch");

export interface Batch {
  frames: Frame[];
}

export function encodeBatch(batch: Batch): Buffer {
  const bytes = BatchType.encode(batch as unknown as protobuf.Message).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes one gRPC message; throws on malformed bytes (the caller closes that stream). */
export function decodeBatch(bytes: Buffer): ReceivedFrame[] {
  const message = BatchType.decode(bytes) as unknown as { frames: ReceivedFrame[] };
  return message.frames;
}

/** The enum values as the .proto declares them, for the test that keeps Kind.ts in step. */
export function protoEnum(name: "Kind" | "Mode"): Record<string, number> {
  return root.lookupEnum(`daffi.${name}`).values;
}

const connect = {
  path: "/daffi.Daffi/Connect",
  requestStream: true,
  responseStream: true,
  requestSerialize: encodeBatch,
  requestDeserialize: decodeBatch,
  responseSerialize: encodeBatch,
  responseDeserialize: decodeBatch,
};

export const DaffiService = { connect } as unknown as ServiceDefinition;
