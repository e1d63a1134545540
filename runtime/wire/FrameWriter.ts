// Queues frames for one stream and writes them as one Batch per event-loop turn.
import type { Frame } from "./Frame";
import type { Batch } from "./protocol";

export interface BatchSink {
  write(batch: Batch): boolean;
}

export class FrameWriter {
  private queue: Frame[] = [];
  private scheduled = false;
  private closed = false;

  constructor(private readonly sink: BatchSink) {}

  send(frame: Frame): void {
    if (this.closed) return;
    this.queue.push(frame);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flush);
    }
  }

  /** Frames sent after close are dropped: the stream is gone. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.queue.length === 0 || this.closed) return;
    const frames = this.queue;
    this.queue = [];
    try {
      this.sink.write({ frames });
    } catch {
      // The stream ended under us; its close handler reports the loss.
      this.closed = true;
    }
  };
}
