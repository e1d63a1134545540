// The protobuf encoding of a Batch (proto/daffi.proto), written out by hand for the hot path:
// one size pass, one buffer, no intermediate writer objects; payloads are decoded without a copy.
// test/wire.test.ts checks it against protobufjs reading the .proto, both ways.
import { traffic } from "./traffic";
import { type Frame, NO_METADATA, type ReceivedFrame, withDefaults } from "./Frame";
import { Kind, type Mode } from "./Kind";
import { ProtocolError } from "../errors/DaffiError";
import { claimHeadroom, HEADROOM } from "./codec";

export interface Batch {
  frames: Frame[];
}

// Field numbers of proto/daffi.proto; wire types: 0 varint, 1 64-bit, 2 length-delimited, 5 32-bit.
const FRAMES = (1 << 3) | 2;
const KIND = (1 << 3) | 0;
const CALL_ID = (2 << 3) | 0;
const NAME = (3 << 3) | 2;
const SOURCE = (4 << 3) | 2;
const TARGET = (5 << 3) | 2;
const MODE = (6 << 3) | 0;
const PAYLOAD = (7 << 3) | 2;
const CREDIT = (8 << 3) | 0;
const TIMEOUT_MS = (9 << 3) | 0;
const ITEM_STREAM = (10 << 3) | 0;
const RETURN_RESULT = (11 << 3) | 0;
const PREFERRED = (14 << 3) | 0;
const INCARNATION = (12 << 3) | 0;
const ACCEPT = (13 << 3) | 2;
const METADATA = (15 << 3) | 2;
/** Field 16 and above take a two-byte tag: (16 << 3) | 2 = 130 = 0x82 0x01. */
const IDENTITY = (16 << 3) | 2;
const IDENTITY_TAG = [0x82, 0x01] as const;
// The fields of a metadata entry (proto3 map<string, string>: message { string key = 1; string value = 2; }).
const ENTRY_KEY = (1 << 3) | 2;
const ENTRY_VALUE = (2 << 3) | 2;

/**
 * The most frames one Batch may hold. Writers split above it; a reader refuses more, so that a
 * hostile message of millions of empty frames cannot make the receiver allocate gigabytes.
 */
export const MAX_FRAMES_PER_BATCH = 65_536;

function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

/** Protobuf writes enums and uint32 as unsigned 32-bit varints; anything else is a bug of ours. */
function uint32(value: number | undefined, field: string): number {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new ProtocolError(`frame field ${field} must be a uint32, got ${value}`);
  return value;
}

interface Sized {
  frame: Frame;
  size: number;
  name: number;
  source: number;
  target: number;
  accept: number;
  identity: number;
  /** UTF-8 lengths of the metadata's keys and values, in turn (undefined: none). */
  metadata: number[] | undefined;
}

/** Strings up to this length are measured and written in JavaScript when they are ASCII (faster than a call into Node). */
const SHORT_STRING = 64;

/** UTF-8 length of a string field (0 when absent). */
function utf8Length(value: string | undefined): number {
  if (!value) return 0;
  if (value.length > SHORT_STRING) return Buffer.byteLength(value);
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) >= 0x80) return Buffer.byteLength(value);
  return value.length;
}

/** Bytes of a varint field (tag and value); a default (0) is left out. */
function varintField(value: number): number {
  return value === 0 ? 0 : 1 + varintSize(value);
}

/** Bytes of a length-delimited field (tag, length and content); an empty one is left out. */
function lengthField(length: number): number {
  return length === 0 ? 0 : 1 + varintSize(length) + length;
}

function measure(frame: Frame): Sized {
  const source = utf8Length(frame.source);
  // A forwarded frame's source is always written, even empty: it must replace one the sender put in.
  // A CALL's identity too, when set: it must replace one the caller put in.
  if (frame.wire) {
    const identity = frame.kind !== Kind.CALL || frame.identity === undefined ? -1 : utf8Length(frame.identity);
    const size =
      frame.wire.length + 1 + varintSize(source) + source + varintField(uint32(frame.incarnation, "incarnation")) + (identity < 0 ? 0 : 2 + varintSize(identity) + identity);
    return { frame, size, name: 0, source, target: 0, accept: 0, identity, metadata: undefined };
  }
  const name = utf8Length(frame.name);
  const target = utf8Length(frame.target);
  const accept = utf8Length(frame.accept);
  const identity = utf8Length(frame.identity);
  let metadata: number[] | undefined;
  let metadataBytes = 0;
  if (frame.metadata) {
    for (const key in frame.metadata) {
      const keyLength = utf8Length(key);
      const valueLength = utf8Length(frame.metadata[key]);
      (metadata ??= []).push(keyLength, valueLength);
      const entry = entrySize(keyLength, valueLength);
      metadataBytes += 1 + varintSize(entry) + entry;
    }
  }
  const size =
    varintField(uint32(frame.kind, "kind")) +
    varintField(uint32(frame.callId, "callId")) +
    lengthField(name) +
    lengthField(source) +
    lengthField(target) +
    varintField(uint32(frame.mode, "mode")) +
    lengthField(frame.payload?.length ?? 0) +
    varintField(uint32(frame.credit, "credit")) +
    varintField(uint32(frame.timeoutMs, "timeoutMs")) +
    (frame.itemStream ? 2 : 0) +
    (frame.returnResult ? 2 : 0) +
    (frame.preferred ? 2 : 0) +
    varintField(uint32(frame.incarnation, "incarnation")) +
    lengthField(accept) +
    metadataBytes +
    (identity === 0 ? 0 : 2 + varintSize(identity) + identity);
  return { frame, size, name, source, target, accept, identity, metadata };
}

/** A metadata entry's bytes: its key and value, each always written (as protobufjs writes map entries). */
function entrySize(key: number, value: number): number {
  return 1 + varintSize(key) + key + 1 + varintSize(value) + value;
}

class Output {
  offset = 0;
  constructor(readonly buffer: Buffer) {}

  varint(value: number): void {
    const buffer = this.buffer;
    while (value > 0x7f) {
      buffer[this.offset++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    buffer[this.offset++] = value;
  }

  uint(tag: number, value: number | undefined): void {
    if (!value) return;
    this.buffer[this.offset++] = tag;
    this.varint(value);
  }

  string(tag: number, value: string | undefined, length: number): void {
    if (length !== 0) this.stringField(tag, value!, length);
  }

  /** A string field, written even when empty; `length` is its UTF-8 length (its length when ASCII). */
  stringField(tag: number, value: string, length: number): void {
    this.buffer[this.offset++] = tag;
    this.varint(length);
    if (length === value.length && length <= SHORT_STRING) {
      const buffer = this.buffer;
      for (let i = 0; i < length; i++) buffer[this.offset + i] = value.charCodeAt(i);
      this.offset += length;
    } else {
      this.offset += this.buffer.write(value, this.offset, length, "utf8");
    }
  }

  bytes(tag: number, value: Uint8Array | undefined): void {
    if (!value || value.length === 0) return;
    this.buffer[this.offset++] = tag;
    this.varint(value.length);
    this.raw(value);
  }

  raw(value: Uint8Array): void {
    this.buffer.set(value, this.offset);
    this.offset += value.length;
  }

  /** The identity field (a two-byte tag), written even when empty. */
  identity(value: string, length: number): void {
    this.buffer[this.offset++] = IDENTITY_TAG[0];
    this.stringField(IDENTITY_TAG[1], value, length);
  }

  metadata(metadata: Readonly<Record<string, string>>, lengths: number[]): void {
    let i = 0;
    for (const key in metadata) {
      const keyLength = lengths[i++]!;
      const valueLength = lengths[i++]!;
      this.buffer[this.offset++] = METADATA;
      this.varint(entrySize(keyLength, valueLength));
      this.stringField(ENTRY_KEY, key, keyLength);
      this.stringField(ENTRY_VALUE, metadata[key]!, valueLength);
    }
  }

  flag(tag: number, value: boolean | undefined): void {
    if (!value) return;
    this.buffer[this.offset++] = tag;
    this.buffer[this.offset++] = 1;
  }
}

export function encodeBatch(batch: Batch): Buffer {
  const sized = batch.frames.map(measure);
  let total = 0;
  for (const { size } of sized) total += 1 + varintSize(size) + size;
  traffic.sent += total;
  if (sized.length === 1) {
    const inPlace = encodeAroundPayload(sized[0]!);
    if (inPlace) return inPlace;
  }
  const out = new Output(Buffer.allocUnsafe(total));
  for (const one of sized) {
    out.buffer[out.offset++] = FRAMES;
    out.varint(one.size);
    if (one.frame.wire) {
      const { frame, source, identity } = one;
      out.raw(frame.wire!);
      out.stringField(SOURCE, frame.source ?? "", source);
      out.uint(INCARNATION, frame.incarnation);
      if (identity >= 0) out.identity(frame.identity!, identity);
      continue;
    }
    writeFields(out, one, true);
  }
  return out.buffer;
}

/** The fields of a frame in field order (as protobufjs writes them), its payload left out unless `payload`. */
function writeFields(out: Output, { frame, name, source, target, accept, identity, metadata }: Sized, payload: boolean): void {
  out.uint(KIND, frame.kind);
  out.uint(CALL_ID, frame.callId);
  out.string(NAME, frame.name, name);
  out.string(SOURCE, frame.source, source);
  out.string(TARGET, frame.target, target);
  out.uint(MODE, frame.mode);
  if (payload) out.bytes(PAYLOAD, frame.payload);
  out.uint(CREDIT, frame.credit);
  out.uint(TIMEOUT_MS, frame.timeoutMs);
  out.flag(ITEM_STREAM, frame.itemStream);
  out.flag(RETURN_RESULT, frame.returnResult);
  out.uint(INCARNATION, frame.incarnation);
  out.string(ACCEPT, frame.accept, accept);
  out.flag(PREFERRED, frame.preferred);
  if (metadata) out.metadata(frame.metadata!, metadata);
  if (identity !== 0) out.identity(frame.identity!, identity);
}

/**
 * A batch of one frame whose payload was encoded with free bytes before it (codec's HEADROOM): its
 * header is written there and the message is a view ending with the payload, which is not copied.
 * Undefined when it cannot be (no such room, or a header larger than it).
 */
function encodeAroundPayload(one: Sized): Buffer | undefined {
  const payload = one.frame.payload;
  if (one.frame.wire || !payload || payload.length === 0) return undefined;
  const header = 1 + varintSize(one.size) + one.size - payload.length;
  if (header > HEADROOM || payload.byteOffset < header) return undefined;
  // Written apart first: bytes past a header longer than measured would land in the payload.
  const out = new Output(Buffer.allocUnsafe(header));
  out.buffer[out.offset++] = FRAMES;
  out.varint(one.size);
  writeFields(out, one, false); // protobuf takes fields in any order: the payload comes last here
  out.buffer[out.offset++] = PAYLOAD;
  out.varint(payload.length);
  if (out.offset !== header) throw new ProtocolError(`a frame header took ${out.offset} bytes where ${header} were measured`);
  if (!claimHeadroom(payload)) return undefined;
  const message = Buffer.from(payload.buffer, payload.byteOffset - header, header + payload.length);
  message.set(out.buffer, 0);
  return message;
}

class Input {
  offset = 0;
  /** Where the message being read ends (the batch, or the frame inside it). */
  end: number;
  constructor(readonly buffer: Buffer) {
    this.end = buffer.length;
  }

  /** A varint as protobuf's uint32 reads it: the low 32 bits of up to 10 bytes. */
  varint(): number {
    const buffer = this.buffer;
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.offset >= this.end) throw new ProtocolError("truncated varint");
      const byte = buffer[this.offset++]!;
      if (shift < 28) value |= (byte & 0x7f) << shift;
      else if (shift === 28) value |= (byte & 0x0f) << 28;
      if (byte < 0x80) return value >>> 0;
    }
    throw new ProtocolError("varint longer than 10 bytes");
  }

  /** A length-delimited field read as UTF-8. */
  string(): string {
    const stop = this.length();
    const text = this.buffer.toString("utf8", this.offset, stop);
    this.offset = stop;
    return text;
  }

  /** The end of a length-delimited field that starts here. */
  length(): number {
    const length = this.varint();
    const end = this.offset + length;
    if (end > this.end) throw new ProtocolError(`a field of ${length} bytes runs past the end of its message`);
    return end;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.offset += 8;
        break;
      case 2:
        this.offset = this.length();
        return;
      case 5:
        this.offset += 4;
        break;
      default:
        throw new ProtocolError(`invalid wire type ${wireType}`);
    }
    if (this.offset > this.end) throw new ProtocolError("truncated field");
  }
}

/** A frame of a message at least this large that takes less than half of it is copied out (see decodeFrame). */
const COPY_FROM_BATCHES_OF = 256 * 1024;

/**
 * One frame. Its payload (and forwarded bytes) are views of the message, without a copy — except a
 * small frame of a large message, which is copied out: else a small call still running would keep a
 * whole 40 MiB message alive. So what a frame pins is never more than twice its own size.
 */
function decodeFrame(input: Input, end: number, keepWire: boolean): ReceivedFrame {
  const start = input.offset;
  const total = input.buffer.length;
  if (total >= COPY_FROM_BATCHES_OF && (end - start) * 2 < total) {
    const own = new Input(Buffer.from(input.buffer.subarray(start, end)));
    input.offset = end;
    return decodeFrameFrom(own, own.end, keepWire);
  }
  return decodeFrameFrom(input, end, keepWire);
}

function decodeFrameFrom(input: Input, end: number, keepWire: boolean): ReceivedFrame {
  const frame = withDefaults({ kind: 0 as Kind });
  if (keepWire) frame.wire = input.buffer.subarray(input.offset, end);
  const outer = input.end;
  input.end = end;
  while (input.offset < end) {
    const tag = input.varint();
    switch (tag) {
      case KIND:
        frame.kind = input.varint() as Kind;
        break;
      case CALL_ID:
        frame.callId = input.varint();
        break;
      case NAME:
      case SOURCE:
      case TARGET:
      case ACCEPT:
      case IDENTITY: {
        const text = input.string();
        if (tag === NAME) frame.name = text;
        else if (tag === SOURCE) frame.source = text;
        else if (tag === TARGET) frame.target = text;
        else if (tag === ACCEPT) frame.accept = text;
        else frame.identity = text;
        break;
      }
      case METADATA:
        // The controller reads it too: a frame whose header it changes is encoded anew, metadata and all.
        metadataEntry(input, input.length(), frame);
        break;
      case MODE:
        frame.mode = input.varint() as Mode;
        break;
      case PAYLOAD: {
        const stop = input.length();
        frame.payload = input.buffer.subarray(input.offset, stop);
        input.offset = stop;
        break;
      }
      case CREDIT:
        frame.credit = input.varint();
        break;
      case TIMEOUT_MS:
        frame.timeoutMs = input.varint();
        break;
      case ITEM_STREAM:
        frame.itemStream = input.varint() !== 0;
        break;
      case RETURN_RESULT:
        frame.returnResult = input.varint() !== 0;
        break;
      case PREFERRED:
        frame.preferred = input.varint() !== 0;
        break;
      case INCARNATION:
        frame.incarnation = input.varint();
        break;
      default:
        if (tag >>> 3 === 0) throw new ProtocolError("field number 0");
        input.skip(tag & 7); // a field of a newer protocol: skipped
    }
  }
  input.end = outer;
  return frame;
}

/**
 * One metadata entry into the frame's record (a fresh one with no prototype: a key "__proto__" is
 * a key like any other). A later entry of the same key replaces the earlier one, as in protobuf.
 * The size limit is the caller's (8 KiB); here only the message size bounds it.
 */
function metadataEntry(input: Input, stop: number, frame: ReceivedFrame): void {
  const outer = input.end;
  input.end = stop;
  let key = "";
  let value = "";
  while (input.offset < stop) {
    const tag = input.varint();
    if (tag === ENTRY_KEY) key = input.string();
    else if (tag === ENTRY_VALUE) value = input.string();
    else {
      if (tag >>> 3 === 0) throw new ProtocolError("field number 0");
      input.skip(tag & 7);
    }
  }
  input.end = outer;
  if (frame.metadata === NO_METADATA) frame.metadata = Object.create(null) as Record<string, string>;
  (frame.metadata as Record<string, string>)[key] = value;
}

/** Decodes one gRPC message; throws ProtocolError on malformed bytes (the caller closes that stream). */
export function decodeBatch(bytes: Buffer): ReceivedFrame[] {
  return decodeFrames(bytes, false);
}

/** decodeBatch for the controller: each frame also keeps its bytes (`wire`), to be forwarded as they are. */
export function decodeBatchForwarding(bytes: Buffer): ReceivedFrame[] {
  return decodeFrames(bytes, true);
}

function decodeFrames(bytes: Buffer, keepWire: boolean): ReceivedFrame[] {
  traffic.received += bytes.length;
  const input = new Input(bytes);
  const frames: ReceivedFrame[] = [];
  while (input.offset < input.end) {
    const tag = input.varint();
    if (tag === FRAMES) {
      if (frames.length === MAX_FRAMES_PER_BATCH) throw new ProtocolError(`a batch holds more than ${MAX_FRAMES_PER_BATCH} frames`);
      const end = input.length();
      frames.push(decodeFrame(input, end, keepWire));
    } else {
      if (tag >>> 3 === 0) throw new ProtocolError("field number 0");
      input.skip(tag & 7);
    }
  }
  return frames;
}
