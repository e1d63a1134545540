// The life of a node's connection to the controller: its states in one place, every transition checked and logged.
import type { Logger } from "../log/Logger";

/**
 * idle: created, not started. connecting: a stream is being opened, or the node waits to retry.
 * ready: the controller welcomed it; calls flow. draining: stop() was called; no new calls, those in
 * flight finish. closed: stopped, or refused by the controller; final.
 */
export type ConnectionState = "idle" | "connecting" | "ready" | "draining" | "closed";

const allowed: Record<ConnectionState, readonly ConnectionState[]> = {
  idle: ["connecting", "closed"],
  connecting: ["connecting", "ready", "closed"],
  ready: ["connecting", "draining", "closed"],
  draining: ["closed"],
  closed: [],
};

export class ConnectionLife {
  private current: ConnectionState = "idle";
  /** Why the node is closed when the controller refused it (final: no more attempts). */
  refusal?: Error;

  constructor(private readonly log: Logger) {}

  get state(): ConnectionState {
    return this.current;
  }

  /** Calls and answers can go out now. */
  get linked(): boolean {
    return this.current === "ready" || this.current === "draining";
  }

  get closed(): boolean {
    return this.current === "closed";
  }

  /** Moves to `next`; a move the machine does not allow is a bug of daffi's and throws. */
  to(next: ConnectionState, why: string): void {
    if (!allowed[this.current].includes(next)) throw new Error(`daffi bug: the connection cannot go from ${this.current} to ${next} (${why})`);
    this.log.debug(`connection ${this.current} -> ${next}: ${why}`);
    this.current = next;
  }
}
