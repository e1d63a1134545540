// The caller's table of its calls in flight, by call id, and the line of those not sent yet.
import type { LongTimeout } from "../call/LongTimeout";
import type { Frame } from "../wire/Frame";
import type { StreamSink } from "./StreamSink";
import type { BroadcastCollector } from "../call/BroadcastCollector";

export interface PendingCall {
  readonly id: number;
  readonly frame: Frame;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer?: LongTimeout;
  /** True once the CALL frame went out on the current stream. */
  sent: boolean;
  /** For streaming calls: where items and credit go. */
  sink?: StreamSink;
  /** For BROADCAST calls with results: the answers gathered so far. */
  broadcast?: BroadcastCollector;
  /** Sent on a direct link (else through the controller): only that link's frames answer it. */
  via?: CallLink;
  /** A BROADCAST sent directly: one link per process. */
  viaAll?: readonly CallLink[];
}

/** A link calls are sent on, with the ids of those in flight there. */
export interface CallLink {
  readonly calls: Set<number>;
}

const MAX_ID = 0xffff_ffff;

/** The most calls one process has in flight; beyond, a call fails at once with OverloadedError. */
export const MAX_PENDING_CALLS = 100_000;

export class PendingCalls {
  private readonly calls = new Map<number, PendingCall>();
  /** Calls not sent yet, in the order they were made (a Map keeps insertion order and forgets a settled one at once). */
  private readonly waiting = new Map<number, PendingCall>();
  private nextId = 1;

  get size(): number {
    return this.calls.size;
  }

  /** A free id (uint32, never 0). */
  allocate(): number {
    do {
      this.nextId = this.nextId >= MAX_ID ? 1 : this.nextId + 1;
    } while (this.calls.has(this.nextId));
    return this.nextId;
  }

  get(id: number): PendingCall | undefined {
    return this.calls.get(id);
  }

  /** A new call: sent already, or joining the line of those waiting to be sent. */
  add(call: PendingCall): void {
    this.calls.set(call.id, call);
    if (!call.sent) this.waiting.set(call.id, call);
  }

  /** No call waits to be sent: a new one may go at once without passing any. */
  get noneWaiting(): boolean {
    return this.waiting.size === 0;
  }

  /** Removes the call and its timer; undefined when it is already settled. */
  take(id: number): PendingCall | undefined {
    const call = this.calls.get(id);
    if (!call) return undefined;
    this.calls.delete(id);
    this.waiting.delete(id);
    call.timer?.clear();
    call.via?.calls.delete(id);
    if (call.viaAll) for (const link of call.viaAll) link.calls.delete(id);
    return call;
  }

  /** A call sent on a direct link that refused it before it started: in line again, to go through the controller. */
  requeue(call: PendingCall): void {
    if (this.calls.get(call.id) === call) this.waiting.set(call.id, call);
  }

  /** Sends the calls waiting in line, in order, while `fits` says there is room for the next one. */
  sendWaiting(fits: (call: PendingCall) => boolean, send: (call: PendingCall) => void): void {
    for (const call of this.waiting.values()) {
      if (!fits(call)) return;
      this.waiting.delete(call.id);
      send(call);
    }
  }

  /** Fails the calls that went out through the controller (their answer can no longer come); unsent ones keep waiting, direct ones go on. */
  rejectSent(error: () => Error): void {
    for (const call of [...this.calls.values()]) {
      if (call.sent && !call.via && !call.viaAll) this.take(call.id)?.reject(error());
    }
  }

  rejectAll(error: () => Error): void {
    for (const id of [...this.calls.keys()]) this.take(id)?.reject(error());
  }
}
