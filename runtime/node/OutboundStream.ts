// The executing node's side of a generator callback: sends its items as the caller grants credit.
import { toWireError } from "../errors/wireError";
import { encode } from "../wire/codec";
import type { Frame, ReceivedFrame } from "../wire/Frame";
import { Kind } from "../wire/Kind";

import type { AnyIterator } from "../call/iteration";

export class OutboundStream {
  private credit: number;
  private cancelled = false;
  private wake?: () => void;

  constructor(
    private readonly iterator: AnyIterator,
    private readonly call: ReceivedFrame,
    private readonly send: (frame: Frame) => void,
  ) {
    this.credit = call.credit;
  }

  /** Pulls and sends items while there is credit; waits for more otherwise. Resolves when the stream is over. */
  async run(): Promise<void> {
    const { callId, source: target } = this.call;
    try {
      for (;;) {
        if (this.credit <= 0 && !this.cancelled) await new Promise<void>((resolve) => (this.wake = resolve));
        if (this.cancelled) break;
        const next = await this.iterator.next();
        if (next.done || this.cancelled) {
          if (!this.cancelled) this.send({ kind: Kind.STREAM_END, callId, target });
          break;
        }
        this.credit--;
        this.send({ kind: Kind.STREAM_ITEM, callId, target, payload: encode(next.value) });
      }
    } catch (error) {
      if (!this.cancelled) this.send({ kind: Kind.ERROR, callId, target, payload: encode(toWireError(error)) });
      return;
    }
    // The caller stopped reading: end the generator so its `finally` blocks run.
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

/** An FG call to a generator callback (the caller did not ask for a stream) gets all items as an array. */
export async function collect(iterator: AnyIterator): Promise<unknown[]> {
  const items: unknown[] = [];
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) items.push(next.value);
  return items;
}
