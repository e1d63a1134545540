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
 * A value whose binary parts (itself, or an array's items) come to at least this much is encoded
 * into a buffer of its own, sized for it: growing cbor-x's shared buffer would allocate four times
 * the value (and touch every page of it), where one exact buffer is enough.
 */
const PRESIZE_FROM = 256 * 1024;
/** Room past the estimate for the CBOR around the large parts (keys, small values, headers). */
const PRESIZE_SLACK = 16 * 1024;
/**
 * Bytes left free before a presized encoding, for the frame header of the batch that carries it
 * (batchCodec writes a lone large frame in place instead of copying its payload).
 */
export const HEADROOM = 512;

/** Encodings made with HEADROOM free bytes before them, not yet claimed by a batch (claimed once). */
const withHeadroom = new WeakSet<Uint8Array>();

/**
 * The HEADROOM bytes before `payload` are free for a batch header: true once per encoding (a
 * payload sent twice, e.g. to each provider of a broadcast, is copied the second time).
 */
export function claimHeadroom(payload: Uint8Array): boolean {
  return withHeadroom.delete(payload);
}

/**
 * Bytes of `value` when it is binary, or of its binary items when it is an array (a call's
 * arguments): a lower bound of its CBOR size. Objects are not looked into (that could run a getter
 * twice); strings are left to cbor-x (it asks for three bytes per character before it writes one).
 */
function largeParts(value: unknown): number {
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (!Array.isArray(value)) return 0;
  let total = 0;
  for (let i = 0; i < value.length && i < 64; i++) {
    const item: unknown = value[i];
    if (ArrayBuffer.isView(item)) total += item.byteLength;
  }
  return total;
}

/** cbor-x has `useBuffer` (write the next value into this buffer), its type declarations do not. */
const presizer = newEncoder() as ReturnType<typeof newEncoder> & { useBuffer(buffer: Uint8Array): void };
/** What the presizing encoder holds between two uses (each use hands it a buffer of its own). */
const SPARE = Buffer.alloc(8192);

/**
 * CBOR of `value`. An object with an own `__proto__` key is refused (ValidationError at `root`…):
 * the decoder would rename the key rather than let it set a prototype.
 */
export function encode(value: unknown, root?: string | (() => string)): Buffer {
  const estimate = largeParts(value);
  let bytes: Buffer;
  if (estimate >= PRESIZE_FROM) {
    const buffer = Buffer.allocUnsafeSlow(HEADROOM + estimate + PRESIZE_SLACK);
    presizer.useBuffer(buffer.subarray(HEADROOM));
    try {
      bytes = presizer.encode(value);
    } finally {
      presizer.useBuffer(SPARE); // the encoder keeps no large buffer alive after it
    }
    // Outgrown (the estimate was low): cbor-x moved it to a buffer of its own, without the headroom.
    if (bytes.buffer === buffer.buffer) withHeadroom.add(bytes);
  } else {
    bytes = encoder.encode(value);
    if (bytes.length >= LARGE_ENCODING) encoder = newEncoder();
  }
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
