// An in-memory stream between a node and the controller of the same process: no socket, no protobuf.
import { EventEmitter } from "node:events";
import { withDefaults } from "./Frame";
import type { Batch } from "./protocol";

/** One end of the link, with the part of a gRPC duplex stream the node and the controller use. */
export class LocalEnd extends EventEmitter {
  peer!: LocalEnd;
  readonly writableLength = 0;
  private ended = false;

  /** Delivered to the other end after the current task's synchronous work, in order. */
  write(batch: Batch, done?: () => void): boolean {
    if (this.ended) throw new Error("the in-process link is closed");
    const frames = batch.frames.map(withDefaults);
    queueMicrotask(() => {
      if (!this.peer.ended) this.peer.emit("data", frames);
      done?.();
    });
    return true;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    queueMicrotask(() => {
      this.peer.ended = true;
      this.peer.emit("end");
      this.peer.emit("close");
      this.emit("close");
    });
  }

  cancel(): void {
    this.end();
  }

  getPeer(): string {
    return "in-process";
  }
}

/** Two connected ends: [the node's, the controller's]. */
export function localLink(): [LocalEnd, LocalEnd] {
  const node = new LocalEnd();
  const controller = new LocalEnd();
  node.peer = controller;
  controller.peer = node;
  return [node, controller];
}
