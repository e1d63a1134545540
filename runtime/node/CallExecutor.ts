// Runs the calls that arrive at this node and answers each with RESULT or ERROR (or a stream of items).
import { isIterator, type AnyIterator } from "../call/iteration";
import { LongTimeout } from "../call/LongTimeout";
import { callStorage } from "../context/CallContext";
import { CallScope } from "../context/CallScope";
import { MAX_METADATA_BYTES, metadataTooLarge } from "../context/metadata";
import { abortReason } from "../context/cancelReason";
import { type InterceptedCall, type InterceptorStep, mapOf, metadataOf, once, runSteps } from "../context/Interceptor";
import type { CallbackEntry } from "../registry/CallbackRegistry";
import { NO_METADATA } from "../wire/Frame";
import {
  CallbackNotFoundError,
  CancelledError,
  codeOf,
  ConfigurationError,
  DaffiError,
  NodeDisconnectedError,
  OverloadedError,
  ProtocolError,
  StoppedError,
  TimeoutError,
  TransferNotAllowedError,
  ValidationError,
} from "../errors/DaffiError";
import { toWireError } from "../errors/wireError";
import { NOT_STARTED } from "../errors/notStarted";
import type { LogFields, Logger } from "../log/Logger";
import { shown } from "../log/shown";
import type { CallbackRegistry } from "../registry/CallbackRegistry";
import { checkArguments } from "../validation/validate";
import { decode, encode } from "../wire/codec";
import type { Frame, ReceivedFrame } from "../wire/Frame";
import { Kind, Mode, MODE_NAMES } from "../wire/Kind";
import { BUILTIN } from "./builtins";
import { CallTable } from "./CallTable";
import { type CallHeader, type Running, takeHeader, toCaller } from "./ExecutingCall";
import { Bulkhead } from "./Bulkhead";
import type { CallStats } from "../observe/CallStats";
import { InboundStream } from "./InboundStream";
import { Collector, OutboundStream } from "./OutboundStream";
import { rebuildFunction } from "./rebuildFunction";
import { type Schedule, Scheduler } from "./Scheduler";

/** Default bound of the calls a node runs at once (plain calls and streams); beyond it, OverloadedError. */
export const DEFAULT_MAX_CONCURRENT_CALLS = 10_000;

export interface ExecutorSettings {
  allowTransfer: boolean;
  maxConcurrentCalls: number;
  /** The largest payload one answer may carry (a collected generator's array too). */
  maxPayload: number;
  /** The incoming interceptors, first to last (undefined: none). */
  incoming?: InterceptorStep[] | undefined;
}

/** A call in the executor's table: what runs (a stream, a collector; nothing for a plain call), for whom, and the timer of its deadline. */
interface Tracked {
  running: Running | undefined;
  readonly header: CallHeader;
  /** What currentCall() shows the callback; aborted when the call ends without an answer. */
  readonly scope: CallScope | undefined;
  deadline?: LongTimeout;
}

/** Runs a callback (in the call's scope: `callStorage.run(scope, invoke, entry, args)`, no closure per call). */
function invoke(fn: (...args: unknown[]) => unknown, target: object | undefined, args: unknown[]): unknown {
  return fn.apply(target, args);
}

export class CallExecutor {
  /** Every call running here (plain calls and streams), by caller, connection and call id. */
  private readonly calls = new CallTable<Tracked>();
  private readonly scheduler = new Scheduler();
  /**
   * Calls whose code still runs here, answered or not: one the caller gave up on leaves the table
   * but keeps its place in maxConcurrentCalls until its function returns.
   */
  private active = 0;
  /**
   * NO_RETURN calls running: nobody waits for them, so they are not tied to the link they came on
   * (its end does not abort them, as through the controller); a stop still waits for them.
   */
  private readonly silent = new Set<Tracked>();
  /** The incoming steps of each callback with a concurrency limit (its bulkhead last), made at its first call. */
  private readonly bulkheads = new WeakMap<CallbackEntry, InterceptorStep[]>();
  /** Set while the node stops: new calls are refused, running ones finish. */
  private stopping = false;

  constructor(
    private readonly processName: string,
    private readonly settings: ExecutorSettings,
    private readonly registry: CallbackRegistry,
    private readonly send: (frame: Frame) => void,
    private readonly log: Logger,
    /** What its callbacks did (metrics, daffi inspect). */
    readonly stats: CallStats,
  ) {}

  /** A call's code starts running here: it takes a place in maxConcurrentCalls, and counts in the stats. */
  private began(scope: CallScope): void {
    scope.running = true;
    this.active++;
    this.stats.began(scope);
  }

  /**
   * A call's code is done (returned, threw, or its stream is over). Once per call: an incoming
   * interceptor that answered before its `next()` ran the callback may end it a second time.
   */
  private ended(scope: CallScope, failed: boolean, error?: unknown): void {
    if (!scope.running) return;
    scope.running = false;
    this.active--;
    this.stats.ended(scope, failed, error);
  }

  /** Nothing running here still owes an answer. */
  get idle(): boolean {
    return this.calls.size === 0 && this.silent.size === 0;
  }

  /** Refuses new calls from now on (with StoppedError); those running go on. */
  refuseNewCalls(): void {
    this.stopping = true;
  }

  /** The node stops: scheduled tasks end, and every call still running is ended without an answer. */
  stop(): void {
    this.scheduler.stop();
    const stopped = new StoppedError(`process '${this.processName}' stopped`);
    this.linkLost(undefined, stopped);
    for (const call of this.silent) call.scope?.abort(stopped);
    this.silent.clear();
  }

  /**
   * The link the calls came on is gone: their answers could only go to a later connection, where
   * nobody waits for them. Every call is ended (generators' `finally` blocks run), none answers.
   * `which` picks the links gone by their incarnation (the controller's, or one direct link); all without.
   */
  linkLost(which?: (incarnation: number) => boolean, reason: Error = new NodeDisconnectedError("the caller's link is gone")): void {
    const tracked = this.calls.takeAll(which);
    for (const call of tracked) this.end(call, reason);
  }

  run(frame: ReceivedFrame): void {
    const { header, payload } = takeHeader(frame);
    if (this.stopping) return this.answerError(header, new StoppedError(`process '${this.processName}' is stopping`), true, true);
    if (this.active >= this.settings.maxConcurrentCalls) {
      return this.answerError(header, new OverloadedError(`process '${this.processName}' runs ${this.active} calls, its maxConcurrentCalls`), true, true);
    }
    const tooLarge = metadataTooLarge(frame.metadata);
    if (tooLarge !== undefined) return this.answerError(header, new ProtocolError(`the metadata of the call takes ${tooLarge} bytes, above the limit of ${MAX_METADATA_BYTES}`), true);
    if (frame.name.startsWith("__daffi.")) return this.builtin(header, payload, frame);
    if (frame.mode === Mode.PERIOD) return this.schedule(header, payload);
    const entry = this.registry.get(frame.name);
    if (!entry) return this.answerError(header, new CallbackNotFoundError(`this process has no callback named '${shown(frame.name)}'`), true, true);
    const scope = new CallScope(frame.name, frame.source, frame.identity, frame.timeoutMs, frame.metadata);
    const steps = entry.limit ? this.limitedSteps(entry) : this.settings.incoming;
    if (frame.itemStream && steps) return this.intercepted(steps, entry, header, scope, undefined);
    if (frame.itemStream) {
      this.began(scope);
      const stream = new InboundStream(entry, header, scope, this.send, (failed, error) => {
        this.ended(scope, failed, error);
        this.release(header, stream);
      });
      this.track(header, stream, scope);
      return;
    }
    let args: unknown;
    try {
      args = decode(payload);
    } catch (error) {
      return this.answerError(header, new ProtocolError(`arguments of '${shown(frame.name)}' are not valid CBOR: ${String(error)}`), true);
    }
    if (!Array.isArray(args)) {
      return this.answerError(header, new ValidationError(`arguments of '${shown(frame.name)}' must be an array`, { path: "$input", expected: "Array", value: args }), true);
    }
    const invalid = entry.metadata && checkArguments(entry.metadata, args);
    if (invalid) return this.answerError(header, invalid, true);
    if (steps) return this.intercepted(steps, entry, header, scope, args);
    const call: Tracked = header.mode === Mode.NO_RETURN ? { running: undefined, header, scope } : this.track(header, undefined, scope);
    if (header.mode === Mode.NO_RETURN) this.silent.add(call);
    this.began(scope);
    let result: unknown;
    try {
      result = callStorage.run(scope, invoke, entry.fn, entry.target, args);
    } catch (error) {
      return this.settle(call, error, true);
    }
    if (isIterator(result)) {
      this.silent.delete(call);
      this.release(header, call);
      void this.stream(header, result, scope); // still active: the stream's end counts it out
      return;
    }
    if (isPromiseLike(result)) {
      result.then(
        (value) => this.settle(call, value, false),
        (error: unknown) => this.settle(call, error, true),
      );
    } else {
      this.settle(call, result, false);
    }
  }

  /**
   * A call run inside the incoming interceptors: the last step runs the callback (in the call's
   * context, with the metadata the steps left); its promise settles with the result, or when the
   * stream ends (a generator's, or the caller's items: `args` undefined). A step's throw is the
   * caller's error — the same class for a DaffiError, unless the callback threw it — and then the
   * callback does not run. A throw after a stream ended (its answer went already) is logged.
   */
  private intercepted(steps: InterceptorStep[], entry: CallbackEntry, header: CallHeader, scope: CallScope, args: unknown[] | undefined): void {
    const call: Tracked = header.mode === Mode.NO_RETURN ? { running: undefined, header, scope } : this.track(header, undefined, scope);
    if (header.mode === Mode.NO_RETURN) this.silent.add(call);
    this.began(scope);
    let streamed = false;
    /** The last step ran: the callback started (a refusal after it may not be retried). */
    let started = false;
    /** Errors the callback itself threw: a DaffiError among them is still the callback's (RemoteError), not daffi's. */
    let thrown: unknown = NOT_THROWN;
    /** While the callback's own promise is pending: an interceptor that answers before it returns does not end its count. */
    let inner: Promise<unknown> | undefined;
    // A stream written to it exists from now (its end may come while the steps run), and is opened by the last step.
    let inbound: InboundStream | undefined;
    let finished: (() => void) | undefined;
    if (args === undefined) {
      inbound = new InboundStream(
        entry,
        header,
        scope,
        this.send,
        (failed, error) => {
          // Over before it was opened (it answered already, or was cancelled): out of the table, so the steps' outcome answers nothing more; settle counts it out.
          if (!finished) return void this.release(header, inbound!);
          this.ended(scope, failed, error);
          this.release(header, inbound!);
          finished();
        },
        false,
      );
      call.running = inbound;
    }
    const last = once((passed: InterceptedCall) => {
      // Cancelled, past its deadline or its caller gone while the steps ran: the callback does not start.
      if (scope.aborted) return Promise.reject(scope.aborted);
      // An interceptor that answered the call already, and calls next() only now: the callback does not run (it would, counted nowhere).
      if (!scope.running) return Promise.reject(new ConfigurationError(`an incoming interceptor of '${shown(header.name)}' called next() after it answered the call: the callback does not run`));
      if (inbound?.isOver) return Promise.reject(new ProtocolError(`the stream of '${shown(header.name)}' ended before its callback started`));
      started = true;
      scope.setMetadata(metadataOf(passed.metadata, `the metadata of '${shown(header.name)}' (as incoming interceptors left it)`) ?? NO_METADATA);
      if (inbound) {
        streamed = true;
        const stream = inbound;
        return new Promise<void>((resolve) => {
          finished = resolve;
          stream.open();
        });
      }
      let result: unknown;
      try {
        result = entry.fn.apply(entry.target, args ?? []);
      } catch (error) {
        thrown = error;
        throw error;
      }
      if (isIterator(result) && header.credit === 0 && header.mode !== Mode.NO_RETURN) {
        // A generator called as a plain call: the array of its items is its result, which the interceptors may change as any other.
        const collector = new Collector(result, this.settings.maxPayload);
        call.running = collector;
        // Cancelled or past its deadline while collecting: next() rejects with why, as for any callback that ends so.
        const collecting = callStorage.run(scope, () => collector.collect()).then((items) => items ?? Promise.reject(scope.aborted ?? new CancelledError(`'${shown(header.name)}' ended before its items were all read`)));
        inner = collecting.then(
          () => (inner = undefined),
          () => (inner = undefined),
        );
        return collecting.catch((error: unknown) => {
          if (error !== collector.ownError) thrown = error;
          throw error;
        });
      }
      if (isIterator(result)) {
        streamed = true;
        this.silent.delete(call);
        if (header.mode !== Mode.NO_RETURN && !this.release(header, call)) {
          // Ended while the callback made its generator: nobody reads it.
          this.ended(scope, false);
          void Promise.resolve(result.return?.(undefined)).catch(() => undefined);
          return Promise.resolve();
        }
        return this.stream(header, result, scope);
      }
      if (!isPromiseLike(result)) return Promise.resolve(result);
      const running = Promise.resolve(result);
      inner = running.then(
        () => (inner = undefined),
        () => (inner = undefined),
      );
      return running.catch((error: unknown) => {
        thrown = error;
        throw error;
      });
    }, `'${header.name}'`);
    const seen: InterceptedCall = {
      name: header.name,
      modifier: MODE_NAMES[header.mode],
      stream: args === undefined ? "write" : header.credit > 0 ? "read" : undefined,
      args: args ?? [],
      metadata: mapOf(scope.metadata),
      caller: header.source,
      target: this.processName,
      deadline: scope.deadline,
      identity: scope.identity || undefined,
    };
    callStorage.run(scope, runSteps, steps, seen, last, 0).then(
      (value) => {
        if (!streamed) this.settleWhenDone(inner, call, value, false);
      },
      (error: unknown) => {
        if (!streamed) return this.settleWhenDone(inner, call, error, true, error !== thrown && error instanceof DaffiError, !started && refusal(error));
        if (error !== thrown) this.log.warn(`An incoming interceptor of '${shown(header.name)}' failed after its stream ended: ${shown(error instanceof Error ? error.message : String(error), 400)}`);
      },
    );
  }

  /** The incoming steps of a callback with a concurrency limit: the Global's, then its bulkhead (innermost). */
  private limitedSteps(entry: CallbackEntry): InterceptorStep[] {
    let steps = this.bulkheads.get(entry);
    if (!steps) {
      const bulkhead = new Bulkhead(entry.name, entry.limit!, this.processName);
      this.stats.of(entry.name).queued = () => bulkhead.queued;
      steps = [...(this.settings.incoming ?? []), bulkhead.step];
      this.bulkheads.set(entry, steps);
    }
    return steps;
  }

  /** CANCEL, stream items and credit sent by the caller of a call this node runs. */
  onCallerFrame(frame: ReceivedFrame): void {
    const tracked = this.calls.get(frame.incarnation, frame.callId);
    if (!tracked) return;
    if (frame.kind === Kind.CANCEL) {
      this.calls.delete(frame.incarnation, frame.callId);
      this.log.debug(`'${shown(tracked.header.name)}' of '${shown(frame.source)}' was cancelled: it ends without an answer`, { callback: shown(tracked.header.name), caller: shown(frame.source), code: "CANCELLED" });
      return this.end(tracked, abortReason(frame.name, shown(frame.source)));
    }
    const inner = tracked.running;
    if (inner instanceof OutboundStream) {
      if (frame.kind === Kind.CREDIT) inner.grant(frame.credit);
    } else if (inner instanceof InboundStream) {
      if (frame.kind === Kind.STREAM_ITEM) inner.item(frame.payload);
      else if (frame.kind === Kind.STREAM_END) inner.end();
    }
  }

  /** Enters a running call in the table, with a deadline when its caller gave a timeout. */
  private track(header: CallHeader, running: Running | undefined, scope: CallScope | undefined): Tracked {
    const previous = this.calls.get(header.incarnation, header.callId);
    if (previous) this.end(previous, new CancelledError("the caller sent another call with the same id")); // a broken caller: the first is dropped
    const tracked: Tracked = { running, header, scope, deadline: undefined };
    if (header.timeoutMs > 0) tracked.deadline = new LongTimeout(() => this.expire(tracked), header.timeoutMs, false);
    this.calls.set(header.incarnation, header.callId, tracked);
    return tracked;
  }

  /** Ends a call taken out of the table, without an answer. */
  private end(tracked: Tracked, reason: Error): void {
    tracked.deadline?.clear();
    tracked.scope?.abort(reason);
    tracked.running?.cancel();
  }

  /** The deadline passed: nobody waits for the answer any more. */
  private expire(tracked: Tracked): void {
    const { incarnation, callId } = tracked.header;
    if (this.calls.get(incarnation, callId) !== tracked) return;
    this.calls.delete(incarnation, callId);
    this.log.debug(`'${shown(tracked.header.name)}' of '${shown(tracked.header.source)}' passed its deadline: it ends without an answer`, { callback: shown(tracked.header.name), caller: shown(tracked.header.source), code: "TIMEOUT" });
    this.end(tracked, new TimeoutError(`the call's deadline passed (${tracked.header.timeoutMs} ms)`));
  }

  /** The call ended by itself: out of the table. False when it was no longer there (cancelled, expired, or its link gone). */
  private release(header: CallHeader, call: Tracked | Running): boolean {
    const tracked = this.calls.get(header.incarnation, header.callId);
    if (!tracked || (tracked !== call && tracked.running !== call)) return false;
    this.calls.delete(header.incarnation, header.callId);
    tracked.deadline?.clear();
    return true;
  }

  /** A plain call finished: its answer (or error) goes out unless it was ended meanwhile. */
  private settle(call: Tracked, outcome: unknown, failed: boolean, raisedByDaffi = false, notStarted = false, count = true): void {
    if (count) this.ended(call.scope!, failed, outcome);
    if (this.silent.delete(call)) {
      if (failed) this.answerError(call.header, outcome, raisedByDaffi); // logged: nothing goes back
      return;
    }
    if (!this.release(call.header, call)) return;
    if (failed) this.answerError(call.header, outcome, raisedByDaffi, notStarted);
    else this.answer(call.header, outcome);
  }

  /**
   * An intercepted call's answer, the interceptors' outcome: sent now; the call counts (maxConcurrentCalls,
   * in flight) until its callback's own promise settles too, should an interceptor have answered first.
   */
  private settleWhenDone(inner: Promise<unknown> | undefined, call: Tracked, outcome: unknown, failed: boolean, raisedByDaffi = false, notStarted = false): void {
    if (!inner) return this.settle(call, outcome, failed, raisedByDaffi, notStarted);
    this.settle(call, outcome, failed, raisedByDaffi, notStarted, false);
    void inner.then(() => this.ended(call.scope!, failed, outcome));
  }

  private builtin(header: CallHeader, payload: Uint8Array, frame: ReceivedFrame): void {
    try {
      const args = decode<unknown[]>(payload) ?? [];
      if (header.name === BUILTIN.scheduledTasks) return this.answer(header, this.scheduler.ids());
      if (header.name === BUILTIN.stats) return this.answer(header, this.stats.snapshot(this.processName));
      if (header.name === BUILTIN.cancelScheduledTask) return this.answer(header, this.scheduler.cancel(String(args[0]), this.processName));
      if (header.name === BUILTIN.transfer) return this.runTransferred(header, args, new CallScope(header.name, frame.source, frame.identity, frame.timeoutMs, frame.metadata));
      if (header.name.startsWith(BUILTIN.signature)) return this.answer(header, this.registry.get(header.name.slice(BUILTIN.signature.length))?.metadata?.contract?.text ?? null);
      this.answerError(header, new CallbackNotFoundError(`this process has no built-in call '${shown(header.name)}'`), true);
    } catch (error) {
      this.answerError(header, error, true);
    }
  }

  /** transferAndCall: only where the process allows it; the function's own errors come back as RemoteError. */
  private runTransferred(header: CallHeader, [source, args]: unknown[], scope: CallScope): void {
    if (!this.settings.allowTransfer) {
      return this.answerError(header, new TransferNotAllowedError(`process '${this.processName}' does not run transferred functions (start it with allowTransfer: true)`), true);
    }
    const fn = rebuildFunction(String(source));
    const values = Array.isArray(args) ? args : [];
    // Around it too: an interceptor guarding this process sees transferred functions as well.
    if (this.settings.incoming) return this.intercepted(this.settings.incoming, { name: header.name, fn, target: undefined, origin: "a transferred function" }, header, scope, values);
    const call = this.track(header, undefined, scope);
    this.began(scope);
    let result: unknown;
    try {
      result = callStorage.run(scope, invoke, fn, undefined, values);
    } catch (error) {
      return this.settle(call, error, true);
    }
    Promise.resolve(result).then(
      (value) => this.settle(call, value, false),
      (error: unknown) => this.settle(call, error, true),
    );
  }

  /** PERIOD: check the arguments now, then run the callback as scheduled; answers the task's id. */
  private schedule(header: CallHeader, payload: Uint8Array): void {
    const entry = this.registry.get(header.name);
    if (!entry) return this.answerError(header, new CallbackNotFoundError(`this process has no callback named '${shown(header.name)}'`), true, true);
    let request: { args: unknown[] } & Schedule;
    try {
      request = decode(payload);
    } catch (error) {
      return this.answerError(header, new ProtocolError(`PERIOD request for '${shown(header.name)}' is not valid CBOR: ${String(error)}`), true);
    }
    const args = Array.isArray(request?.args) ? request.args : [];
    const invalid = entry.metadata && checkArguments(entry.metadata, args);
    if (invalid) return this.answerError(header, invalid, true);
    // Each run on its own, outside any call (the PERIOD call is answered already).
    const run = () => callStorage.exit(() => {
      try {
        const result = entry.fn.apply(entry.target, args);
        if (isPromiseLike(result)) result.then(undefined, (error: unknown) => this.log.warn(`Scheduled '${shown(header.name)}' failed: ${String(error)}`, failureFields(header, error)));
      } catch (error) {
        this.log.warn(`Scheduled '${shown(header.name)}' failed: ${error instanceof Error ? error.message : String(error)}`, failureFields(header, error));
      }
    });
    let id: string;
    try {
      id = this.scheduler.schedule(run, { atTime: request.atTime, intervalMs: request.intervalMs });
    } catch (error) {
      return this.answerError(header, error, true);
    }
    this.answer(header, { id, process: this.processName });
  }

  /** A generator callback: items go out as the caller grants credit; a caller that asked for no stream gets an array. */
  private stream(header: CallHeader, iterator: AnyIterator, scope: CallScope): Promise<void> {
    if (header.credit === 0) {
      const collector = new Collector(iterator, this.settings.maxPayload);
      this.track(header, collector, scope);
      return callStorage.run(scope, () => collector.run()).then(
        (payload) => {
          this.ended(scope, false);
          if (payload && this.release(header, collector)) this.sendToCaller(header, toCaller(header, Kind.RESULT, payload));
        },
        (error: unknown) => {
          this.ended(scope, true, error);
          // As on a stream: daffi's own failure (an item that cannot go) keeps its class, what the generator throws is a RemoteError.
          if (this.release(header, collector)) this.answerError(header, error, error === collector.ownError);
        },
      );
    }
    const outbound = new OutboundStream(iterator, header, this.send);
    this.track(header, outbound, scope);
    return callStorage.run(scope, () => outbound.run()).finally(() => {
      this.ended(scope, outbound.failure !== undefined, outbound.failure?.error);
      this.release(header, outbound);
    });
  }

  /**
   * Sends an answer; one that cannot go (above the message size limit) becomes a small
   * PayloadTooLargeError instead, so the caller learns why — never an exception here.
   */
  private sendToCaller(header: CallHeader, frame: Frame): void {
    try {
      this.send(frame);
    } catch (error) {
      const reason = { code: "PAYLOAD_TOO_LARGE", name: "PayloadTooLargeError", message: shown(error instanceof Error ? error.message : String(error), 1000) };
      this.send(toCaller(header, Kind.ERROR, encode(reason)));
    }
  }

  private answer(header: CallHeader, value: unknown): void {
    if (header.mode === Mode.NO_RETURN) return;
    let payload: Buffer;
    try {
      payload = encode(value, "$result");
    } catch (error) {
      const reason = error instanceof DaffiError ? error : new ConfigurationError(`the result of '${shown(header.name)}' cannot be encoded as CBOR: ${String(error)}`);
      return this.answerError(header, reason, true);
    }
    this.sendToCaller(header, toCaller(header, Kind.RESULT, payload));
  }

  /** `notStarted`: refused before the callback ran (the caller may retry it elsewhere: README, Retries). */
  private answerError(header: CallHeader, error: unknown, raisedByDaffi: boolean, notStarted = false): void {
    if (header.mode === Mode.NO_RETURN) {
      this.log.warn(`Callback '${shown(header.name)}' called by '${shown(header.source)}' (NO_RETURN) failed: ${shown(error instanceof Error ? error.message : String(error), 1000)}`, failureFields(header, error));
      return;
    }
    const wire = toWireError(error, raisedByDaffi);
    if (notStarted) wire.data = { ...wire.data, ...NOT_STARTED };
    let payload: Buffer;
    try {
      payload = encode(wire);
    } catch {
      payload = encode({ ...wire, data: undefined }); // data the codec cannot carry is left out, the error still goes back
    }
    if (payload.length > this.settings.maxPayload) payload = encode({ ...wire, message: shown(wire.message, 10_000), stack: undefined, data: undefined });
    this.sendToCaller(header, toCaller(header, Kind.ERROR, payload));
  }
}

const NOT_THROWN = Symbol("not thrown");

/** A refusal an incoming step (a bulkhead, an interceptor) made before the callback started: the caller may try another provider. */
function refusal(error: unknown): boolean {
  return error instanceof OverloadedError || error instanceof CallbackNotFoundError || error instanceof StoppedError;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

/** The structured fields of a callback's failure in a log record: which callback, whose call, what code. */
function failureFields(header: CallHeader, error: unknown): LogFields {
  return { callback: shown(header.name), caller: shown(header.source), code: codeOf(error) };
}
