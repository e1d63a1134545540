// The caller's side of a streaming call: where the executing node's items and credit grants go; and the windows of every stream.
export interface StreamSink {
  /** An item, and the bytes it took on the wire. */
  item(value: unknown, bytes: number): void;
  credit(count: number): void;
}

/** Items in flight per stream, each way: with STREAM_WINDOW_BYTES, the bound of every buffer between producer and consumer. */
export const STREAM_WINDOW = 512;

/**
 * Bytes of items in flight per stream, each way (at least one item always goes): large items are not
 * let through 512 at a time. The consumer grants credit after half of either window.
 */
export const STREAM_WINDOW_BYTES = 8 * 1024 * 1024;

/** The producer's side of a window: the sizes of the items sent and not yet granted back, oldest first. */
export class ItemsInFlight {
  private readonly sizes: number[] = [];
  private head = 0;
  private bytes = 0;

  /** Another item of `size` bytes may go now (always when none is in flight). */
  fits(size: number): boolean {
    return this.head === this.sizes.length || this.bytes + size <= STREAM_WINDOW_BYTES;
  }

  sent(size: number): void {
    this.sizes.push(size);
    this.bytes += size;
  }

  /** The consumer took `count` more (credit): the oldest ones leave the window. */
  granted(count: number): void {
    for (let i = 0; i < count && this.head < this.sizes.length; i++) this.bytes -= this.sizes[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.sizes.length) {
      this.sizes.splice(0, this.head);
      this.head = 0;
    }
  }
}

/** The consumer's side: counts what it took, and says when to grant credit for it. */
export class ItemsTaken {
  private items = 0;
  private bytes = 0;

  /** Took one item of `size` bytes; the credit to grant now, or 0. */
  took(size: number): number {
    this.items++;
    this.bytes += size;
    if (this.items < STREAM_WINDOW / 2 && this.bytes < STREAM_WINDOW_BYTES / 2) return 0;
    const grant = this.items;
    this.items = 0;
    this.bytes = 0;
    return grant;
  }
}

/**
 * The consumer's check of the producer: no item beyond the credit it was granted, and no more bytes
 * in flight than the window lets through. A peer past them does not play by the protocol: its stream
 * ends (ProtocolError) instead of filling this process's memory.
 */
export class WindowGuard {
  private credit: number;
  private readonly inFlight = new ItemsInFlight();

  constructor(initial = STREAM_WINDOW) {
    this.credit = initial;
  }

  /** An item of `size` bytes arrived: false when the producer went past its windows. */
  received(size: number): boolean {
    if (this.credit <= 0 || !this.inFlight.fits(size)) return false;
    this.credit--;
    this.inFlight.sent(size);
    return true;
  }

  /** This side granted `count` more. */
  granted(count: number): void {
    this.credit += count;
    this.inFlight.granted(count);
  }
}
