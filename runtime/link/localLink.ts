// An in-memory stream between a node and the controller of the same process: no socket, no protobuf.
import { EventEmitter } from "node:events";
import { withDefaults } from "../wire/Frame";
import type { Batch } from "../wire/protocol";
import type { Link } from "./Link";

/** One end of the link. */
export class LocalEnd extends EventEmitter implements Link {
  readonly peer = "in-process";
  readonly peerCertificate = undefined;
  /** The other end. */
  other!: LocalEnd;
  readonly writableLength = 0;
  private ended = false;

  /** Delivered to the other end after the current task's synchronous work, in order. */
  write(batch: Batch, done?: () => void): boolean {
    if (this.ended) throw new Error("the in-process link is closed");
    const frames = batch.frames.map(withDefaults);
    queueMicrotask(() => {
      if (!this.other.ended) this.other.emit("data", frames);
      done?.();
    });
    return true;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    queueMicrotask(() => {
      this.other.ended = true;
      this.other.emit("end");
      this.other.emit("close");
      this.emit("close");
    });
  }

  /** Nothing waits in memory: ending is at once. */
  abort(): void {
    this.end();
  }
}

/** Two connected ends: [the node's, the controller's]. */
export function localLink(): [LocalEnd, LocalEnd] {
  const node = new LocalEnd();
  const controller = new LocalEnd();
  node.other = controller;
  controller.other = node;
  return [node, controller];
}
