// A link to one process over NATS (the Link seam, runtime/link/Link.ts): batches are published on
// that process's subject, in an envelope naming both connections; what it sends comes in through
// the hub, which reads every message of this process's subject and hands each link its own.
import { EventEmitter } from "node:events";
import type { Batch } from "../wire/batchCodec";
import { encodeBatch } from "../wire/batchCodec";
import type { Frame, ReceivedFrame } from "../wire/Frame";
import type { Link } from "../link/Link";

export class NatsLink extends EventEmitter implements Link {
  readonly peerCertificate = undefined;
  /** NATS's client buffers what it publishes (the hub's flush gate counts it); nothing waits here. */
  readonly writableLength = 0;
  private ended = false;

  constructor(
    /**
     * Publishes one message on the process's subject; `done` once NATS took it (runtime/nats/NatsHub.ts:
     * the flush gate). Throws when NATS cannot take it (the connection closed).
     */
    private readonly publish: (message: Uint8Array, done?: () => void) => void,
    /** The envelope's header of every message on this link. */
    private readonly header: Buffer,
    readonly peer: string,
    /** The largest message the server takes now (its max_payload; it may change with the server). */
    private readonly maxMessageBytes: () => number,
    /** A message could not be published: the hub ends the link, and the calls on it fail instead of waiting. */
    private readonly broken: (reason: string) => void,
  ) {
    super();
  }

  write(batch: Batch, done?: (error?: Error | null) => void): boolean {
    if (this.ended) {
      if (done) queueMicrotask(() => done());
      return true;
    }
    try {
      this.publishBatch(batch.frames, done && (() => done()));
    } catch (error) {
      if (done) queueMicrotask(() => done());
      this.broken(error instanceof Error ? error.message : String(error));
    }
    return true;
  }

  /**
   * One message when it fits the server's max_payload; else the frames in two halves, in order (the
   * writer counts a frame's payload, not its header: many small frames with long names or metadata
   * can add up past it). A single frame always fits: the writer refuses larger payloads.
   */
  private publishBatch(frames: Frame[], done?: () => void): void {
    const message = Buffer.concat([this.header, encodeBatch({ frames })]);
    if (message.length <= this.maxMessageBytes() || frames.length === 1) return this.publish(message, done);
    const half = Math.ceil(frames.length / 2);
    this.publishBatch(frames.slice(0, half));
    this.publishBatch(frames.slice(half), done);
  }

  /** Frames the process sent on this link (the hub checked what they may be). */
  deliver(frames: ReceivedFrame[]): void {
    if (!this.ended) this.emit("data", frames);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    queueMicrotask(() => this.emit("close"));
  }

  /** Nothing waits here: ending is at once. */
  abort(): void {
    this.end();
  }
}
