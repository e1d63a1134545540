// What a node's callbacks did: per callback, the calls running, their outcomes by code, their time,
// and who called them. Always on (a few additions per call); read by `metrics` (prom-client), by
// `daffi inspect` and the dashboard (the built-in call BUILTIN.stats), never holding arguments.
import { codeOf } from "../errors/DaffiError";
import type { CallScope } from "../context/CallScope";

/** Distinct callers counted per callback; when full, those not connected any more make room, else later ones count under OTHER_CALLER (bounded memory whoever calls). */
export const MAX_CALLERS_PER_CALLBACK = 256;
/** Distinct callback names counted (transferAndCall and built-ins have one name each); beyond, under OTHER_CALLBACK. */
export const MAX_CALLBACKS = 4096;
export const OTHER_CALLER = "_other";
export const OTHER_CALLBACK = "_other";

/** One callback's figures since the process started. */
export interface CallbackStats {
  /** Calls whose code runs now (a call waiting in its concurrency limit's queue counts). */
  inFlight: number;
  /** Calls ended, by outcome code ("OK", or the error code the caller got: REMOTE, TIMEOUT, CANCELLED, …). */
  readonly outcomes: Record<string, number>;
  /** Seconds spent in the calls ended (sum), for a mean. */
  seconds: number;
  /** Calls ended, by calling process. */
  readonly callers: Map<string, number>;
  /** Calls waiting in its concurrency limit's queue now (callbacks with `@limit`). */
  queued?: () => number;
}

/** Told of each call ended (metrics): its callback, caller, outcome code and duration. */
export type CallEnded = (callback: string, caller: string, code: string, seconds: number) => void;

/** The figures as `daffi inspect` and the dashboard read them (plain CBOR-able data). */
export interface StatsSnapshot {
  process: string;
  /** When taken, epoch ms (two snapshots give rates). */
  at: number;
  callbacks: Record<string, { inFlight: number; queued: number; outcomes: Record<string, number>; seconds: number; callers: Record<string, number> }>;
}

export class CallStats {
  private readonly byCallback = new Map<string, CallbackStats>();
  private readonly listeners = new Set<CallEnded>();

  constructor(
    /** Whether a process is connected now (the node's registry): a full callers map drops the others. */
    private readonly connected: (process: string) => boolean = () => true,
  ) {}

  /** When each callers map was last pruned (at most once a second each: a scan of the whole map). */
  private readonly prunedAt = new WeakMap<Map<string, number>, number>();

  /** Drops the callers not connected now (their calls still count in the outcomes). */
  private prune(callers: Map<string, number>): void {
    const now = Date.now();
    if (now - (this.prunedAt.get(callers) ?? 0) < 1000) return;
    this.prunedAt.set(callers, now);
    for (const caller of callers.keys()) if (caller !== OTHER_CALLER && !this.connected(caller)) callers.delete(caller);
  }

  /** Adds a listener of calls ended; returns its removal. */
  onEnded(listener: CallEnded): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A callback's figures (made at its first call). */
  of(callback: string): CallbackStats {
    let stats = this.byCallback.get(callback);
    if (stats) return stats;
    // Beyond the bound, one entry counts for all later names (made whatever the count: it is the last one).
    const name = this.byCallback.size >= MAX_CALLBACKS ? OTHER_CALLBACK : callback;
    stats = this.byCallback.get(name);
    if (!stats) {
      stats = { inFlight: 0, outcomes: Object.create(null) as Record<string, number>, seconds: 0, callers: new Map() };
      this.byCallback.set(name, stats);
    }
    return stats;
  }

  /** A call's code starts running (its scope records when). */
  began(scope: CallScope): void {
    this.of(scope.callback).inFlight++;
  }

  /**
   * A call's code is done: `error` when it failed (undefined: it returned). A call its caller gave up
   * on (cancelled, past its deadline, its link gone) counts under that reason, whatever its code did.
   */
  ended(scope: CallScope, failed: boolean, error?: unknown): void {
    const stats = this.of(scope.callback);
    stats.inFlight--;
    const reason = scope.aborted;
    const code = reason ? codeOf(reason) : failed ? codeOf(error) : "OK";
    stats.outcomes[code] = (stats.outcomes[code] ?? 0) + 1;
    const seconds = (performance.now() - scope.startedAt) / 1000;
    stats.seconds += seconds;
    const callers = stats.callers;
    // Full: the callers gone (a `daffi call` run, a client restarted under a new name) make room; else later ones count together.
    if (!callers.has(scope.caller) && callers.size >= MAX_CALLERS_PER_CALLBACK) this.prune(callers);
    const caller = callers.has(scope.caller) || callers.size < MAX_CALLERS_PER_CALLBACK ? scope.caller : OTHER_CALLER;
    callers.set(caller, (callers.get(caller) ?? 0) + 1);
    if (this.listeners.size === 0) return;
    const name = this.byCallback.get(scope.callback) === stats ? scope.callback : OTHER_CALLBACK;
    for (const listener of this.listeners) listener(name, caller, code, seconds);
  }

  /** Each callback's figures, for gauges read at a scrape. */
  entries(): IterableIterator<[string, CallbackStats]> {
    return this.byCallback.entries();
  }

  snapshot(process: string): StatsSnapshot {
    const callbacks: StatsSnapshot["callbacks"] = {};
    for (const [name, stats] of this.byCallback) {
      callbacks[name] = { inFlight: stats.inFlight, queued: stats.queued?.() ?? 0, outcomes: { ...stats.outcomes }, seconds: stats.seconds, callers: Object.fromEntries(stats.callers) };
    }
    return { process, at: Date.now(), callbacks };
  }
}
