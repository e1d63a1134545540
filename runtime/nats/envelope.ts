// A NATS message between two processes: a short header (what it is, the sending and the receiving
// connection), then a Batch of frames (runtime/wire/batchCodec.ts) as on every other link.
import { randomBytes } from "node:crypto";

const MAGIC = 0xda;
/** What a message is: a batch of frames, or a reset (the sender had dropped the receiver's connection: start afresh). */
export const BATCH = 1;
export const RESET = 2;
/** A connection to NATS is named by this many random bytes: a new one on each (re)connection. */
export const LINK_ID_BYTES = 8;
export const ENVELOPE_BYTES = 2 + 2 * LINK_ID_BYTES;

/** A new connection's id, as maps key it (hex). */
export function newLinkId(): string {
  return randomBytes(LINK_ID_BYTES).toString("hex");
}

/** The header of messages from `source` to `destination` (ids in hex). */
export function envelopeHeader(source: string, destination: string, kind = BATCH): Buffer {
  const header = Buffer.alloc(ENVELOPE_BYTES);
  header[0] = MAGIC;
  header[1] = kind;
  header.write(source, 2, LINK_ID_BYTES, "hex");
  header.write(destination, 2 + LINK_ID_BYTES, LINK_ID_BYTES, "hex");
  return header;
}

export interface Envelope {
  kind: typeof BATCH | typeof RESET;
  source: string;
  destination: string;
  /** The Batch's bytes: a view of the message. */
  batch: Buffer;
}

/** The header and the batch of a message; undefined for anything else (it is dropped). */
export function openEnvelope(data: Uint8Array): Envelope | undefined {
  if (data.length < ENVELOPE_BYTES || data[0] !== MAGIC || (data[1] !== BATCH && data[1] !== RESET)) return undefined;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return {
    kind: data[1],
    source: bytes.toString("hex", 2, 2 + LINK_ID_BYTES),
    destination: bytes.toString("hex", 2 + LINK_ID_BYTES, ENVELOPE_BYTES),
    batch: bytes.subarray(ENVELOPE_BYTES),
  };
}
