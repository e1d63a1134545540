// protobufjs reading proto/daffi.proto: the reference the runtime's hand-written batch codec is checked against.
import * as path from "node:path";
import * as protobuf from "protobufjs";
import type { Batch } from "../../runtime/wire/protocol";

/** The package root, from dist/test/helpers. */
const PROTO_PATH = path.join(__dirname, "..", "..", "..", "proto", "daffi.proto");

const root = protobuf.loadSync(PROTO_PATH);
const BatchType = root.lookupType("daffi.Batch");

export const reference = {
  encode(batch: Batch): Buffer {
    return Buffer.from(BatchType.encode(BatchType.fromObject(batch)).finish());
  },
  decode(bytes: Uint8Array): Array<Record<string, unknown>> {
    const message = BatchType.decode(bytes);
    return (BatchType.toObject(message, { defaults: true }) as { frames: Array<Record<string, unknown>> }).frames;
  },
  /** The enum values as the .proto declares them. */
  enumValues(name: "Kind" | "Mode"): Record<string, number> {
    return root.lookupEnum(`daffi.${name}`).values;
  },
  /** A protobuf writer, to build messages with fields the runtime does not know. */
  writer: () => protobuf.Writer.create(),
};
