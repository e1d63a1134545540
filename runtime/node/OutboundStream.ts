// The executing node's side of a generator callback: sends its items as the caller grants credit.
import { PayloadTooLargeError } from "../errors/DaffiError";
import { toWireError } from "../errors/wireError";
import { decode, encode, encodeArrayOf } from "../wire/codec";
import type { Frame } from "../wire/Frame";
import { Kind } from "../wire/Kind";
import type { AnyIterator } from "../call/iteration";
import { type CallHeader, type Running, toCaller } from "./ExecutingCall";
import { ItemsInFlight } from "./StreamSink";

export class OutboundStream implements Running {
  private credit: number;
  private cancelled = false;
  private wake?: () => void;
  private readonly inFlight = new ItemsInFlight();

  constructor(
    private readonly iterator: AnyIterator,
    private readonly call: CallHeader,
    private readonly send: (frame: Frame) => void,
  ) {
    this.credit = call.credit;
  }

  /** Why the stream ended in an error (the generator threw, an item could not go), if it did. */
  failure?: { error: unknown };

  /** Pulls and sends items while there is credit; waits for more otherwise. Resolves when the stream is over. */
  async run(): Promise<void> {
    let index = 0;
    try {
      for (;;) {
        if (this.credit <= 0 && !this.cancelled) await new Promise<void>((resolve) => (this.wake = resolve));
        if (this.cancelled) break;
        const next = await this.iterator.next();
        if (next.done || this.cancelled) {
          if (!this.cancelled) this.send(toCaller(this.call, Kind.STREAM_END));
          break;
        }
        this.credit--;
        let payload: Buffer;
        try {
          const at = index++;
          payload = encode(next.value, () => `$result[${at}]`);
          // Within the window's bytes too: a large item waits until the reader took enough.
          while (!this.inFlight.fits(payload.length) && !this.cancelled) await new Promise<void>((resolve) => (this.wake = resolve));
          if (this.cancelled) break;
          this.send(toCaller(this.call, Kind.STREAM_ITEM, payload));
          this.inFlight.sent(payload.length);
        } catch (error) {
          // daffi's own failure with this item (it cannot be encoded, or is too large): the stream ends with it.
          this.failure = { error };
          this.send(toCaller(this.call, Kind.ERROR, encode(toWireError(error, true))));
          this.cancelled = true;
          break;
        }
      }
    } catch (error) {
      this.failure = { error };
      if (!this.cancelled) this.send(toCaller(this.call, Kind.ERROR, encode(toWireError(error))));
      return;
    }
    // The caller stopped reading (or is gone, or an item failed): end the generator so its `finally` blocks run.
    if (this.cancelled) await endQuietly(this.iterator);
  }

  grant(count: number): void {
    this.credit += count;
    this.inFlight.granted(count);
    this.wake?.();
  }

  cancel(): void {
    this.cancelled = true;
    this.wake?.();
  }
}

/**
 * An FG call to a generator callback (the caller asked for no stream) gets all items as one array:
 * encoded as they come, at most `maxBytes` in all (then PayloadTooLargeError, and the generator is
 * ended), and ended early by `cancel`.
 */
/** What one collected item costs besides its bytes, counted against the limit. */
const ITEM_COST = 16;
/** Items joined into one chunk, and between two turns of the event loop. */
const CHUNK_ITEMS = 1024;

export class Collector implements Running {
  private cancelled = false;
  /** The error daffi raised here (an item that cannot be encoded, too many bytes): daffi's, not the generator's. */
  ownError: unknown;

  constructor(
    private readonly iterator: AnyIterator,
    private readonly maxBytes: number,
  ) {}

  /** The CBOR of the array of items; undefined when cancelled. */
  async run(): Promise<Buffer | undefined> {
    // Items are joined in chunks as they come (not one Buffer each), and counted with what holding them costs.
    const chunks: Buffer[] = [];
    let pending: Buffer[] = [];
    const count = await this.gather((item) => {
      pending.push(item);
      if (pending.length === CHUNK_ITEMS) {
        chunks.push(Buffer.concat(pending));
        pending = [];
      }
    });
    return count === undefined ? undefined : encodeArrayOf(count, [...chunks, ...pending]);
  }

  /**
   * The items as the caller would read them (each decoded from its encoding, taken when it was
   * yielded: a generator may change an object after yielding it), within the same bounds; an
   * incoming interceptor sees them as the callback's result. Undefined when cancelled.
   */
  async collect(): Promise<unknown[] | undefined> {
    const values: unknown[] = [];
    // Decoded from a copy of its own size: an item is a view of the codec's shared write buffer, and a decoded byte string
    // is a view of what it is decoded from, so it would hold that whole buffer (8 KiB or more) where its bytes are counted.
    const count = await this.gather((item) => values.push(decode(new Uint8Array(item))));
    return count === undefined ? undefined : values;
  }

  /** Reads the generator to its end, each item encoded (and counted) as it comes; the count, or undefined when cancelled. */
  private async gather(take: (item: Buffer) => void): Promise<number | undefined> {
    let count = 0;
    let bytes = 0;
    // The array's own header takes up to 5 bytes of the message.
    const limit = this.maxBytes - 5;
    try {
      for (let next = await this.iterator.next(); !next.done; next = await this.iterator.next()) {
        if (this.cancelled) break;
        const at = count;
        let item: Buffer;
        try {
          item = encode(next.value, () => `$result[${at}]`);
        } catch (error) {
          // daffi's own failure with this item (a value CBOR cannot carry as sent): the call fails with it, as a stream would.
          this.ownError = error;
          throw error;
        }
        bytes += item.length + ITEM_COST;
        if (bytes > limit) {
          this.ownError = new PayloadTooLargeError(`the items of this generator take more than ${this.maxBytes} bytes, above maxMessageSize: read it as a stream (for await)`);
          throw this.ownError;
        }
        take(item);
        // A generator that never waits would hold the event loop (heartbeats, CANCEL, deadlines): let it breathe.
        if (++count % CHUNK_ITEMS === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      await this.end();
      throw error;
    }
    if (this.cancelled) {
      await this.end();
      return undefined;
    }
    return count;
  }

  cancel(): void {
    this.cancelled = true;
  }

  private async end(): Promise<void> {
    await endQuietly(this.iterator);
  }
}

/** Ends a generator (its `finally` runs); what it throws then changes nothing: the call is over. */
async function endQuietly(iterator: AnyIterator): Promise<void> {
  try {
    await iterator.return?.();
  } catch {
    // nothing to tell anyone
  }
}
