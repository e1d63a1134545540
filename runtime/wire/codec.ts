// CBOR encoding of payloads (arguments, results, errors, control data) with cbor-x.

import { ConfigurationError } from "../errors/DaffiError";
import { refuseOwnProtoKey } from "./ownProtoKey";

// cbor-x is an ES module package whose CommonJS build TypeScript cannot see through its
// exports map from a CommonJS file, so the types are taken from the ESM entry explicitly.
type CborX = typeof import("cbor-x", { with: { "resolution-mode": "import" } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Encoder } = require("cbor-x") as CborX;

// Plain CBOR (no cbor-x records) so other implementations can read it; Map, Set,
// Date, typed arrays, bigint, undefined and null all keep their identity.
const newEncoder = () => new Encoder({ useRecords: false, mapsAsObjects: true });
/** cbor-x has `useBuffer` (write the next values into this buffer), its type declarations do not. */
const encoder = newEncoder() as ReturnType<typeof newEncoder> & { useBuffer(buffer: Uint8Array): void };
const decoder = newEncoder();

/**
 * cbor-x writes every value into one growing buffer and returns views of it, the next value after
 * the last. That buffer is cbor-x's module state, shared by all its encoders: handing it a buffer
 * (`useBuffer`) moves where every encoder writes next, so it is only ever handed a buffer nobody has
 * seen — a buffer given twice would have small payloads still in use (queued, waiting for credit,
 * kept for a retry) written over.
 */
function writeNextIntoFresh(): void {
  encoder.useBuffer(Buffer.allocUnsafeSlow(8192));
}

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

/** Bytes cbor-x writes as they are: typed arrays and Buffers (a DataView is encoded as an empty map). */
function binaryLength(value: unknown): number {
  return ArrayBuffer.isView(value) && !(value instanceof DataView) ? value.byteLength : 0;
}

/**
 * Bytes of `value` when it is binary, or of its binary items when it is an array (a call's
 * arguments): a lower bound of its CBOR size. Objects are not looked into (that could run a getter
 * twice); strings are left to cbor-x (it asks for three bytes per character before it writes one).
 */
function largeParts(value: unknown): number {
  if (!Array.isArray(value)) return binaryLength(value);
  let total = 0;
  for (let i = 0; i < value.length && i < 64; i++) total += binaryLength(value[i]);
  return total;
}

/** A large encoding that takes less than half of its buffer is copied out, so it never pins more than twice its size. */
function ownBytes(bytes: Buffer): Buffer {
  return bytes.length * 2 < bytes.buffer.byteLength ? Buffer.from(bytes) : bytes;
}

/** Set while cbor-x encodes: its write position is module state, so an encode inside an encode would corrupt both. */
let encoding = false;

/** Past this size cbor-x's write buffer was grown for one value: the encoder moves to a fresh one, and the value is copied out if small in it. */
const GROWN_BUFFER = 64 * 1024;

/**
 * CBOR of `value`. An object with an own `__proto__` key is refused (ValidationError at `root`…):
 * the decoder would rename the key rather than let it set a prototype. A getter of the value that
 * encodes (makes a daffi call) while it is being encoded gets a ConfigurationError.
 */
export function encode(value: unknown, root?: string | (() => string)): Buffer {
  if (encoding) throw new ConfigurationError("a value being sent ran code (a getter, an iterator) that sends a daffi call or answer itself: make that call before or after");
  // Large binary parts: written into a buffer of their size, with the room in front.
  const estimate = largeParts(value);
  const presized = estimate >= PRESIZE_FROM ? Buffer.allocUnsafeSlow(HEADROOM + estimate + PRESIZE_SLACK) : undefined;
  let bytes: Buffer;
  encoding = true;
  try {
    if (presized) encoder.useBuffer(presized.subarray(HEADROOM));
    bytes = encoder.encode(value);
  } catch (error) {
    writeNextIntoFresh(); // the buffer may have grown for the value that failed
    throw error;
  } finally {
    encoding = false;
  }
  // After a presized value, or one that grew cbor-x's buffer, nothing else is written into that buffer.
  if (presized || bytes.buffer.byteLength > GROWN_BUFFER) {
    writeNextIntoFresh();
    // Outgrown (the estimate was low), cbor-x moved it to a larger buffer of its own, without the room.
    if (presized && bytes.buffer === presized.buffer && bytes.length * 2 >= presized.length) withHeadroom.add(bytes);
    else bytes = ownBytes(bytes);
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
