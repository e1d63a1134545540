// A link to one process over NATS (the Link seam, runtime/link/Link.ts): batches are published on
// that process's subject, in an envelope naming both connections; what it sends comes in through
// the hub, which reads every message of this process's subject and hands each link its own.
import { EventEmitter } from "node:events";
import type { Batch } from "../wire/batchCodec";
import { encodeBatch } from "../wire/batchCodec";
import type { ReceivedFrame } from "../wire/Frame";
import type { Link } from "../link/Link";

export class NatsLink extends EventEmitter implements Link {
  readonly peerCertificate = undefined;
  /** NATS's client buffers what it publishes (the hub's flush gate counts it); nothing waits here. */
  readonly writableLength = 0;
  private ended = false;

  constructor(
    /** Publishes one message on the process's subject; `done` once NATS took it (runtime/nats/NatsHub.ts: the flush gate). */
    private readonly publish: (message: Uint8Array, done?: () => void) => void,
    /** The envelope's header of every message on this link. */
    private readonly header: Buffer,
    readonly peer: string,
  ) {
    super();
  }

  write(batch: Batch, done?: (error?: Error | null) => void): boolean {
    if (this.ended) {
      if (done) queueMicrotask(() => done());
    } else {
      this.publish(Buffer.concat([this.header, encodeBatch(batch)]), done && (() => done()));
    }
    return true;
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
