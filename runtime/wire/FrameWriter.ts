// Queues frames for one stream and writes them as one Batch per event-loop turn, within the message size limit, as fast as the stream takes them.
import { PayloadTooLargeError } from "../errors/DaffiError";
import { DEFAULT_MAX_MESSAGE_BYTES } from "./channelOptions";
import { type Frame, frameSize } from "./Frame";
import { type Batch, MAX_FRAMES_PER_BATCH } from "./batchCodec";

export interface BatchSink {
  /** Node Writable semantics: false asks the writer to wait for "drain"; `done` is called once the message is on its way. */
  write(batch: Batch, done?: (error?: Error | null) => void): boolean;
  /** Messages written but not yet handed to the socket (Node Writable); batching grows while it is above 0. */
  readonly writableLength?: number;
  once?(event: "drain", listener: () => void): unknown;
}

/** Room left in a message for the frames' headers. */
const HEADER_ROOM = 16 * 1024;
/** What a frame's header counts for in the bytes held. */
const FRAME_OVERHEAD = 64;

export class FrameWriter {
  private queue: Frame[] = [];
  private queuedBytes = 0;
  /** Bytes of batches handed to the stream whose write has not completed (waiting behind flow control). */
  private inFlightBytes = 0;
  /** When the stream last took something, or started to hold something again. */
  private progressAt = 0;
  private scheduled = false;
  private closed = false;
  private deferred = false;
  /** The stream said "not now" (write returned false): frames wait here until it drains. */
  private blocked = false;
  private readonly roomListeners = new Set<() => void>();
  /** The largest payload one frame may carry. */
  maxPayload: number;

  constructor(
    private readonly sink: BatchSink,
    private maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
  ) {
    this.maxPayload = maxMessageBytes - HEADER_ROOM;
  }

  /** The peer takes messages of at most `maxMessageBytes` (less than this side allows): nothing larger is written. */
  narrow(maxMessageBytes: number): void {
    if (maxMessageBytes >= this.maxMessageBytes) return;
    this.maxMessageBytes = maxMessageBytes;
    this.maxPayload = Math.max(0, maxMessageBytes - HEADER_ROOM);
  }

  /** Everything this writer holds that the peer has not taken yet: queued frames and batches waiting on the stream. */
  get heldBytes(): number {
    return this.queuedBytes + this.inFlightBytes;
  }

  /** How long the stream has held written batches without taking any (0 when it holds none). */
  stalledMs(): number {
    return this.inFlightBytes > 0 ? Date.now() - this.progressAt : 0;
  }

  /** The frame fits in a message (send() would not throw PayloadTooLargeError). */
  fits(frame: Frame): boolean {
    return frameSize(frame) <= this.maxPayload;
  }

  /** Called each time held bytes went down (a write completed); returns a function that unsubscribes. */
  onRoom(listener: () => void): () => void {
    this.roomListeners.add(listener);
    return () => this.roomListeners.delete(listener);
  }

  /** Throws PayloadTooLargeError (and sends nothing) when the frame could never fit in a message. */
  send(frame: Frame): void {
    if (this.closed) return;
    const size = frameSize(frame);
    if (size > this.maxPayload) {
      throw new PayloadTooLargeError(`a payload of ${size} bytes is above the limit of ${this.maxPayload} (maxMessageSize ${this.maxMessageBytes})`);
    }
    if (this.queuedBytes + size + HEADER_ROOM > this.maxMessageBytes || this.queue.length === MAX_FRAMES_PER_BATCH) this.flushNow();
    this.queue.push(frame);
    this.queuedBytes += size + FRAME_OVERHEAD;
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flush);
    }
  }

  private flushNow(): void {
    this.deferred = true;
    this.flush(true);
  }

  /** The stream is being torn down: nothing queued is written, nothing more is taken. */
  abandon(): void {
    this.closed = true;
    this.queue = [];
    this.queuedBytes = 0;
  }

  /** Writes what is queued, whatever the stream's backpressure; frames sent after close are dropped: the stream is gone. */
  close(): void {
    this.flush(true);
    this.closed = true;
  }

  /**
   * Writes what is queued as one Batch. Sent at the end of the current tick when the stream is idle
   * (lowest latency); while earlier messages are still on their way, frames keep gathering until the
   * next turn of the event loop, so a fast producer sends few large messages instead of many small
   * ones. While the stream is blocked they wait for its "drain" (unless `force`: a full batch, or close).
   */
  private readonly flush = (force = false): void => {
    if (this.queue.length === 0 || this.closed) {
      this.scheduled = false;
      return;
    }
    if (!force && this.blocked) {
      this.scheduled = false; // "drain" schedules the next flush
      return;
    }
    if (!force && (this.sink.writableLength ?? 0) > 0 && !this.deferred) {
      this.deferred = true;
      setImmediate(this.flush);
      return;
    }
    this.deferred = false;
    this.scheduled = false;
    const frames = this.queue;
    const bytes = this.queuedBytes;
    this.queue = [];
    this.queuedBytes = 0;
    if (this.inFlightBytes === 0) this.progressAt = Date.now();
    this.inFlightBytes += bytes;
    let written = false;
    const done = () => {
      if (written) return;
      written = true;
      this.inFlightBytes -= bytes;
      this.progressAt = Date.now();
      for (const listener of this.roomListeners) listener();
    };
    try {
      if (this.sink.write({ frames }, done) === false && this.sink.once && !this.blocked) {
        this.blocked = true;
        this.sink.once("drain", this.drained);
      }
    } catch {
      // The stream ended under us; its close handler reports the loss.
      done();
      this.closed = true;
    }
  };

  private readonly drained = (): void => {
    this.blocked = false;
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flush);
    }
  };
}
