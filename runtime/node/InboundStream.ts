// The executing node's side of a streaming fetcher: runs the callback once per arriving item, in order.
import { AsyncResource } from "node:async_hooks";
import { callStorage } from "../context/CallContext";
import type { CallScope } from "../context/CallScope";
import { decode, encode } from "../wire/codec";
import type { Frame } from "../wire/Frame";
import { type CallHeader, type Running, toCaller } from "./ExecutingCall";
import { Kind } from "../wire/Kind";
import type { CallbackEntry } from "../registry/CallbackRegistry";
import { checkArguments } from "../validation/validate";
import { toWireError } from "../errors/wireError";
import { ProtocolError, ValidationError } from "../errors/DaffiError";
import { ItemsTaken, STREAM_WINDOW, WindowGuard } from "./StreamSink";

export class InboundStream implements Running {
  private readonly queue: unknown[][] = [];
  private readonly sizes: number[] = [];
  private readonly taken = new ItemsTaken();
  /** The caller keeps within the credit granted to it, or its stream ends. */
  private readonly window = new WindowGuard(0);
  private ended = false;
  private over = false;
  private running = false;
  private processed = 0;
  /**
   * Opened by the incoming interceptors' last step: the async context they set up around it (a trace's
   * span, a store of their own) is the one each item's callback runs in, as a plain call's does.
   */
  private within?: AsyncResource;

  constructor(
    private readonly entry: CallbackEntry,
    private readonly call: CallHeader,
    /** The callback runs in it (currentCall()) for every item. */
    private readonly scope: CallScope,
    private readonly send: (frame: Frame) => void,
    /** Told once when it is over: failed (and why) or not. */
    private readonly onOver: (failed: boolean, error?: unknown) => void,
    /** False: it waits for `open()` (incoming steps run first) — no credit, and a STREAM_END is kept for then. */
    private opened = true,
  ) {
    if (opened) this.grant(STREAM_WINDOW);
  }

  /** Ended (its answer sent, failed, or cancelled). */
  get isOver(): boolean {
    return this.over;
  }

  /** The callback may run now: the caller gets its credit; an end that came before is handled. */
  open(): void {
    if (this.opened || this.over) return;
    this.opened = true;
    this.within = new AsyncResource("DaffiInboundStream");
    this.grant(STREAM_WINDOW);
    if (this.ended) this.schedule();
  }

  item(payload: Uint8Array): void {
    if (this.over) return;
    if (!this.window.received(payload.length)) return this.fail(new ProtocolError(`the caller sent items of '${this.call.name}' beyond the credit it was granted`), true);
    let args: unknown;
    try {
      args = decode(payload);
    } catch (error) {
      return this.fail(new ProtocolError(`a stream item for '${this.call.name}' is not valid CBOR: ${String(error)}`), true);
    }
    if (!Array.isArray(args)) return this.fail(new ValidationError("each stream item must be an argument array", { path: "$input", expected: "Array", value: args }), true);
    this.queue.push(args);
    this.sizes.push(payload.length);
    this.schedule();
  }

  end(): void {
    this.ended = true;
    if (this.opened) this.schedule();
  }

  cancel(): void {
    this.finish();
  }

  private readonly drainInScope = () => this.drain();

  /** Runs the callback for what is queued, in the call's scope (and the interceptors' context). */
  private schedule(): void {
    if (this.within) void this.within.runInAsyncScope(callStorage.run, callStorage, this.scope, this.drainInScope);
    else void callStorage.run(this.scope, this.drainInScope);
  }

  private async drain(): Promise<void> {
    if (this.running || this.over) return;
    this.running = true;
    while (this.queue.length > 0 && !this.over) {
      const args = this.queue.shift()!;
      const invalid = this.entry.metadata && checkArguments(this.entry.metadata, args);
      if (invalid) return this.fail(invalid, true);
      try {
        await this.entry.fn.apply(this.entry.target, args);
      } catch (error) {
        return this.fail(error, false);
      }
      this.processed++;
      const grant = this.taken.took(this.sizes.shift() ?? 0);
      if (grant > 0) this.grant(grant);
    }
    this.running = false;
    if (this.ended && !this.over) {
      this.send(toCaller(this.call, Kind.RESULT, encode(this.processed)));
      this.finish();
    }
  }

  private grant(count: number): void {
    this.window.granted(count);
    this.send(toCaller(this.call, Kind.CREDIT, undefined, count));
  }

  /** The first failure ends the call: the caller stops its stream; later items are dropped. */
  private fail(error: unknown, raisedByDaffi: boolean): void {
    if (this.over) return;
    this.send(toCaller(this.call, Kind.ERROR, encode(toWireError(error, raisedByDaffi))));
    this.finish(true, error);
  }

  private finish(failed = false, error?: unknown): void {
    this.over = true;
    this.running = false;
    this.queue.length = 0;
    this.sizes.length = 0;
    this.onOver(failed, error);
  }
}
