// Runs the calls that arrive at this node and answers each with RESULT or ERROR (or a stream of items).
import { isIterator } from "../call/iteration";
import { CallbackNotFoundError, ConfigurationError, DaffiError, ProtocolError, StoppedError, TransferNotAllowedError, ValidationError } from "../errors/DaffiError";
import { toWireError } from "../errors/wireError";
import type { Logger } from "../log/Logger";
import type { CallbackRegistry } from "../registry/CallbackRegistry";
import { checkArguments } from "../validation/validate";
import { decode, encode } from "../wire/codec";
import type { Frame, ReceivedFrame } from "../wire/Frame";
import { Kind, Mode } from "../wire/Kind";
import { BUILTIN } from "./builtins";
import { InboundStream } from "./InboundStream";
import { collect, OutboundStream } from "./OutboundStream";
import { rebuildFunction } from "./rebuildFunction";
import { type Schedule, Scheduler } from "./Scheduler";

export class CallExecutor {
  /** Streaming calls in progress, by caller and call id. */
  private readonly streams = new Map<string, InboundStream | OutboundStream>();
  private readonly scheduler = new Scheduler();
  /** Calls running here that still owe an answer. */
  private readonly running = new Set<ReceivedFrame>();
  /** Set while the node stops: new calls are refused, running ones finish. */
  private stopping = false;

  constructor(
    private readonly processName: string,
    private readonly allowTransfer: boolean,
    private readonly registry: CallbackRegistry,
    private readonly send: (frame: Frame) => void,
    private readonly log: Logger,
  ) {}

  /** Nothing running here still owes an answer. */
  get idle(): boolean {
    return this.running.size === 0 && this.streams.size === 0;
  }

  /** Refuses new calls from now on (with StoppedError); those running go on. */
  refuseNewCalls(): void {
    this.stopping = true;
  }

  /** Ends the scheduled tasks and the streams (the node stops). */
  stop(): void {
    this.scheduler.stop();
    for (const stream of this.streams.values()) stream.cancel();
    this.streams.clear();
  }

  run(frame: ReceivedFrame): void {
    if (this.stopping) return this.fail(frame, new StoppedError(`process '${this.processName}' is stopping`), true);
    this.running.add(frame);
    if (frame.name.startsWith("__daffi.")) return this.builtin(frame);
    if (frame.mode === Mode.PERIOD) return this.schedule(frame);
    const entry = this.registry.get(frame.name);
    if (!entry) return this.fail(frame, new CallbackNotFoundError(`this process has no callback named '${frame.name}'`), true);
    if (frame.itemStream) {
      this.running.delete(frame); // tracked in `streams` from here
      const key = streamKey(frame);
      this.streams.set(key, new InboundStream(entry, frame, this.send, () => this.streams.delete(key)));
      return;
    }
    let args: unknown;
    try {
      args = decode(frame.payload);
    } catch (error) {
      return this.fail(frame, new ProtocolError(`arguments of '${frame.name}' are not valid CBOR: ${String(error)}`), true);
    }
    if (!Array.isArray(args)) {
      return this.fail(frame, new ValidationError(`arguments of '${frame.name}' must be an array`, { path: "$input", expected: "Array", value: args }), true);
    }
    const invalid = entry.metadata && checkArguments(entry.metadata, args);
    if (invalid) return this.fail(frame, invalid, true);
    let result: unknown;
    try {
      result = entry.fn.apply(entry.target, args);
    } catch (error) {
      return this.fail(frame, error, false);
    }
    if (isIterator(result)) return this.stream(frame, result);
    if (isPromiseLike(result)) {
      result.then(
        (value) => this.succeed(frame, value),
        (error: unknown) => this.fail(frame, error, false),
      );
    } else {
      this.succeed(frame, result);
    }
  }

  private builtin(frame: ReceivedFrame): void {
    try {
      const args = decode<unknown[]>(frame.payload) ?? [];
      if (frame.name === BUILTIN.scheduledTasks) return this.succeed(frame, this.scheduler.ids());
      if (frame.name === BUILTIN.cancelScheduledTask) return this.succeed(frame, this.scheduler.cancel(String(args[0]), this.processName));
      if (frame.name === BUILTIN.transfer) return this.runTransferred(frame, args);
      this.fail(frame, new CallbackNotFoundError(`this process has no built-in call '${frame.name}'`), true);
    } catch (error) {
      this.fail(frame, error, true);
    }
  }

  /** transferAndCall: only where the process allows it; the function's own errors come back as RemoteError. */
  private runTransferred(frame: ReceivedFrame, [source, args]: unknown[]): void {
    if (!this.allowTransfer) {
      return this.fail(frame, new TransferNotAllowedError(`process '${this.processName}' does not run transferred functions (start it with allowTransfer: true)`), true);
    }
    let result: unknown;
    try {
      result = rebuildFunction(String(source)).apply(undefined, Array.isArray(args) ? args : []);
    } catch (error) {
      return this.fail(frame, error, false);
    }
    Promise.resolve(result).then(
      (value) => this.succeed(frame, value),
      (error: unknown) => this.fail(frame, error, false),
    );
  }

  /** PERIOD: check the arguments now, then run the callback as scheduled; answers the task's id. */
  private schedule(frame: ReceivedFrame): void {
    const entry = this.registry.get(frame.name);
    if (!entry) return this.fail(frame, new CallbackNotFoundError(`this process has no callback named '${frame.name}'`), true);
    let request: { args: unknown[] } & Schedule;
    try {
      request = decode(frame.payload);
    } catch (error) {
      return this.fail(frame, new ProtocolError(`PERIOD request for '${frame.name}' is not valid CBOR: ${String(error)}`), true);
    }
    const args = Array.isArray(request?.args) ? request.args : [];
    const invalid = entry.metadata && checkArguments(entry.metadata, args);
    if (invalid) return this.fail(frame, invalid, true);
    const run = () => {
      try {
        const result = entry.fn.apply(entry.target, args);
        if (isPromiseLike(result)) result.then(undefined, (error: unknown) => this.log.warn(`Scheduled '${frame.name}' failed: ${String(error)}`));
      } catch (error) {
        this.log.warn(`Scheduled '${frame.name}' failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    const id = this.scheduler.schedule(run, { atTime: request.atTime, intervalMs: request.intervalMs });
    this.running.delete(frame);
    this.succeed(frame, { id, process: this.processName });
  }

  /** CANCEL, stream items and credit sent by the caller of a call this node runs. */
  onCallerFrame(frame: ReceivedFrame): void {
    const stream = this.streams.get(streamKey(frame));
    if (!stream) return;
    if (frame.kind === Kind.CANCEL) {
      this.streams.delete(streamKey(frame));
      return stream.cancel();
    }
    if (stream instanceof OutboundStream) {
      if (frame.kind === Kind.CREDIT) stream.grant(frame.credit);
    } else if (frame.kind === Kind.STREAM_ITEM) {
      stream.item(frame.payload);
    } else if (frame.kind === Kind.STREAM_END) {
      stream.end();
    }
  }

  /** A generator callback: items go out as the caller grants credit; a caller that asked for no stream gets an array. */
  private stream(frame: ReceivedFrame, iterator: Iterator<unknown> | AsyncIterator<unknown>): void {
    if (frame.credit === 0) {
      collect(iterator).then(
        (items) => this.succeed(frame, items),
        (error: unknown) => this.fail(frame, error, false),
      );
      return;
    }
    this.running.delete(frame); // tracked in `streams` from here
    const key = streamKey(frame);
    const outbound = new OutboundStream(iterator, frame, this.send);
    this.streams.set(key, outbound);
    void outbound.run().finally(() => this.streams.delete(key));
  }

  private succeed(frame: ReceivedFrame, value: unknown): void {
    this.running.delete(frame);
    if (frame.mode === Mode.NO_RETURN) return;
    let payload: Buffer;
    try {
      payload = encode(value, "$result");
    } catch (error) {
      const reason = error instanceof DaffiError ? error : new ConfigurationError(`the result of '${frame.name}' cannot be encoded as CBOR: ${String(error)}`);
      return this.fail(frame, reason, true);
    }
    try {
      this.send({ kind: Kind.RESULT, callId: frame.callId, target: frame.source, payload });
    } catch (error) {
      this.fail(frame, error, true); // e.g. PayloadTooLargeError: the caller learns why
    }
  }

  private fail(frame: ReceivedFrame, error: unknown, raisedByDaffi: boolean): void {
    this.running.delete(frame);
    if (frame.mode === Mode.NO_RETURN) {
      this.log.warn(`Callback '${frame.name}' called by '${frame.source}' (NO_RETURN) failed: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const wire = toWireError(error, raisedByDaffi);
    let payload: Buffer;
    try {
      payload = encode(wire);
    } catch {
      payload = encode({ ...wire, data: undefined }); // data the codec cannot carry is left out, the error still goes back
    }
    this.send({ kind: Kind.ERROR, callId: frame.callId, target: frame.source, payload });
  }
}

function streamKey(frame: ReceivedFrame): string {
  return `${frame.source}\u0000${frame.callId}`;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}
