// CBOR encoding of payloads (arguments, results, errors, control data) with cbor-x.

import { refuseOwnProtoKey } from "./ownProtoKey";

// cbor-x is an ES module package whose CommonJS build TypeScript cannot see through its
// exports map from a CommonJS file, so the types are taken from the ESM entry explicitly.
type CborX = typeof import("cbor-x", { with: { "resolution-mode": "import" } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Encoder } = require("cbor-x") as CborX;

// Plain CBOR (no cbor-x records) so other implementations can read it; Map, Set,
// Date, typed arrays, bigint, undefined and null all keep their identity.
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true });

/**
 * CBOR of `value`. An object with an own `__proto__` key is refused (ValidationError at `root`…):
 * the decoder would rename the key rather than let it set a prototype.
 */
export function encode(value: unknown, root?: string): Buffer {
  const bytes = encoder.encode(value);
  refuseOwnProtoKey(value, bytes, root);
  return bytes;
}

/** An absent payload (protobuf's default for bytes is an empty array) decodes as undefined. */
export function decode<T = unknown>(bytes: Uint8Array | undefined): T {
  if (!bytes || bytes.length === 0) return undefined as T;
  return encoder.decode(bytes) as T;
}
