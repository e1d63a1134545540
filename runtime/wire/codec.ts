// CBOR encoding of payloads (arguments, results, errors, control data) with cbor-x.

import { refuseOwnProtoKey } from "./ownProtoKey";

// cbor-x is an ES module package whose CommonJS build TypeScript cannot see through its
// exports map from a CommonJS file, so the types are taken from the ESM entry explicitly.
type CborX = typeof import("cbor-x", { with: { "resolution-mode": "import" } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Encoder } = require("cbor-x") as CborX;

// Plain CBOR (no cbor-x records) so other implementations can read it; Map, Set,
// Date, typed arrays, bigint, undefined and null all keep their identity.
const newEncoder = () => new Encoder({ useRecords: false, mapsAsObjects: true });
let encoder = newEncoder();
const decoder = newEncoder();

/**
 * cbor-x writes every value into one growing buffer and returns views of it; after a large value its
 * next buffers are as large, and any small payload kept (a call waiting, an answer in a queue) would
 * pin megabytes. So after a large value the encoder starts afresh.
 */
const LARGE_ENCODING = 1024 * 1024;

/**
 * CBOR of `value`. An object with an own `__proto__` key is refused (ValidationError at `root`…):
 * the decoder would rename the key rather than let it set a prototype.
 */
export function encode(value: unknown, root?: string | (() => string)): Buffer {
  const bytes = encoder.encode(value);
  if (bytes.length >= LARGE_ENCODING) encoder = newEncoder();
  refuseOwnProtoKey(value, bytes, root);
  return bytes;
}

/** An absent payload (protobuf's default for bytes is an empty array) decodes as undefined. */
export function decode<T = unknown>(bytes: Uint8Array | undefined): T {
  if (!bytes || bytes.length === 0) return undefined as T;
  return decoder.decode(bytes) as T;
}

/** The CBOR of an array of `count` items already encoded (complete CBOR values, joined into `parts`). */
/** A payload's CBOR, or undefined when it is not CBOR. */
export function decodeOr<T>(payload: Uint8Array | undefined): T | undefined {
  try {
    return decode<T>(payload);
  } catch {
    return undefined;
  }
}

export function encodeArrayOf(count: number, parts: Buffer[]): Buffer {
  let header: Buffer;
  if (count < 24) header = Buffer.from([0x80 + count]);
  else if (count < 0x100) header = Buffer.from([0x98, count]);
  else if (count < 0x10000) header = Buffer.from([0x99, count >> 8, count & 0xff]);
  else {
    header = Buffer.alloc(5);
    header[0] = 0x9a;
    header.writeUInt32BE(count, 1);
  }
  return Buffer.concat([header, ...parts]);
}
