// The executing node's side of a generator callback: sends its items as the caller grants credit.
import { PayloadTooLargeError } from "../errors/DaffiError";
import { toWireError } from "../errors/wireError";
import { encode, encodeArrayOf } from "../wire/codec";
import type { Frame } from "../wire/Frame";
import { Kind } from "../wire/Kind";
import type { AnyIterator } from "../call/iteration";
import { type CallHeader, type Running, toCaller } from "./ExecutingCall";

export class OutboundStream implements Running {
  private credit: number;
  private cancelled = false;
  private wake?: () => void;

  constructor(
    private readonly iterator: AnyIterator,
    private readonly call: CallHeader,
    private readonly send: (frame: Frame) => void,
  ) {
    this.credit = call.credit;
  }

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
        } catch (error) {
          this.send(toCaller(this.call, Kind.ERROR, encode(toWireError(error, true))));
          this.cancelled = true;
          break;
        }
        this.send(toCaller(this.call, Kind.STREAM_ITEM, payload));
      }
    } catch (error) {
      if (!this.cancelled) this.send(toCaller(this.call, Kind.ERROR, encode(toWireError(error))));
      return;
    }
    // The caller stopped reading (or is gone): end the generator so its `finally` blocks run.
    if (this.cancelled) await this.iterator.return?.();
  }

  grant(count: number): void {
    this.credit += count;
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
export class Collector implements Running {
  private cancelled = false;

  constructor(
    private readonly iterator: AnyIterator,
    private readonly maxBytes: number,
  ) {}

  /** The CBOR of the array of items; undefined when cancelled. */
  async run(): Promise<Buffer | undefined> {
    const items: Buffer[] = [];
    let bytes = 0;
    try {
      for (let next = await this.iterator.next(); !next.done; next = await this.iterator.next()) {
        if (this.cancelled) break;
        const item = encode(next.value, `$result[${items.length}]`);
        bytes += item.length;
        if (bytes > this.maxBytes) {
          throw new PayloadTooLargeError(`the items of this generator take more than ${this.maxBytes} bytes, above maxMessageSize: read it as a stream (for await)`);
        }
        items.push(item);
      }
    } catch (error) {
      await this.end();
      throw error;
    }
    if (this.cancelled) {
      await this.end();
      return undefined;
    }
    return encodeArrayOf(items);
  }

  cancel(): void {
    this.cancelled = true;
  }

  private async end(): Promise<void> {
    try {
      await this.iterator.return?.();
    } catch {
      // its error changes nothing: the call is over
    }
  }
}
