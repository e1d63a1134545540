// Queues frames for one stream and writes them as one Batch per event-loop turn, within the message size limit.
import { PayloadTooLargeError } from "../errors/DaffiError";
import { DEFAULT_MAX_MESSAGE_BYTES } from "./channelOptions";
import { type Frame, frameSize } from "./Frame";
import { type Batch, MAX_FRAMES_PER_BATCH } from "./batchCodec";

export interface BatchSink {
  write(batch: Batch): boolean;
  /** Messages written but not yet handed to the socket (Node Writable); batching grows while it is above 0. */
  readonly writableLength?: number;
}

/** Room left in a message for the frames' headers. */
const HEADER_ROOM = 16 * 1024;

export class FrameWriter {
  private queue: Frame[] = [];
  private queuedBytes = 0;
  private scheduled = false;
  private closed = false;
  private deferred = false;
  /** The largest payload one frame may carry. */
  readonly maxPayload: number;

  constructor(
    private readonly sink: BatchSink,
    private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
  ) {
    this.maxPayload = maxMessageBytes - HEADER_ROOM;
  }

  /** The frame fits in a message (send() would not throw PayloadTooLargeError). */
  fits(frame: Frame): boolean {
    return frameSize(frame) <= this.maxPayload;
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
    this.queuedBytes += size + 64;
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flush);
    }
  }

  private flushNow(): void {
    this.deferred = true;
    this.flush();
  }

  /** Frames sent after close are dropped: the stream is gone. */
  close(): void {
    this.deferred = true; // write now, whatever is in flight
    this.flush();
    this.closed = true;
  }

  /**
   * Writes what is queued as one Batch. Sent at the end of the current tick when the stream is idle
   * (lowest latency); while earlier messages are still on their way, frames keep gathering until the
   * next turn of the event loop, so a fast producer sends few large messages instead of many small ones.
   */
  private readonly flush = (): void => {
    if (this.queue.length === 0 || this.closed) {
      this.scheduled = false;
      return;
    }
    if ((this.sink.writableLength ?? 0) > 0 && !this.deferred) {
      this.deferred = true;
      setImmediate(this.flush);
      return;
    }
    this.deferred = false;
    this.scheduled = false;
    const frames = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    try {
      this.sink.write({ frames });
    } catch {
      // The stream ended under us; its close handler reports the loss.
      this.closed = true;
    }
  };
}
