// Execution modifiers: how a remote call is carried out. Usable bare (`FG`) or configured (`FG({ timeout: 5 })`).
import { passed } from "../errors/passed";
import { ConfigurationError } from "../errors/DaffiError";
import { type Balancing, checkBalancing } from "./Balancer";
import { parseInterval } from "./parseInterval";
import { checkMetadata, type Metadata } from "../context/metadata";

/** What every modifier may carry: metadata for the callback (README: Call context). */
interface WithMetadata {
  /** String keys and values sent with the call (at most 8 KiB; keys starting "daffi-" are reserved); the callback reads them in currentCall().metadata. */
  metadata?: Readonly<Record<string, string>> | undefined;
}

/** A caller's own cancellation: aborting it cancels the call (CancelledError). */
interface WithSignal {
  /** Aborting it cancels the call: the promise rejects with CancelledError, the callback's currentCall().signal aborts. */
  signal?: AbortSignal | undefined;
}

function checkSignal(value: unknown, what: string): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value;
  throw new ConfigurationError(`${what} must be an AbortSignal, got ${passed(value)}`);
}

/** An opt-in retry of a call refused before it started (README: Retries). */
export interface RetryOptions {
  /** Tries in all, the first included (2 to 10). */
  attempts: number;
  /** Seconds before the first retry, doubling at each (default 0.1); the call's timeout counts across all tries. */
  backoff?: number | undefined;
}

interface WithRetry {
  /**
   * Tries again — on another provider when there is one — only when the call provably did not start
   * (CallbackNotFoundError, OverloadedError, StoppedError, NodeDisconnectedError refused before the
   * executor took it): never after the callback may have run.
   */
  retry?: RetryOptions | undefined;
}

function checkRetry(value: unknown, what: string): Required<RetryOptions> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null) throw new ConfigurationError(`${what} takes { attempts, backoff? }, got ${passed(value)}`);
  const { attempts, backoff = 0.1, ...rest } = value as RetryOptions;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new ConfigurationError(`${what} has no option '${unknown[0]}' (options: attempts, backoff)`);
  if (!Number.isInteger(attempts) || attempts < 2 || attempts > 10) throw new ConfigurationError(`${what}: attempts must be a whole number from 2 to 10 (tries in all), got ${passed(attempts)}`);
  return Object.freeze({ attempts, backoff: checkSeconds(backoff, `${what} backoff`, true)! });
}

/** Options of FG: the caller waits for the result. */
export interface FGOptions extends WithMetadata, WithSignal, WithRetry {
  /** Seconds to wait for the result before TimeoutError. */
  timeout?: number | undefined;
  /** How to pick among the callback's providers: "random" (default), "round-robin", "least-busy". */
  balancing?: Balancing | undefined;
}

/** Options of BG: the call runs in the background; its AsyncResult gives the result later. */
export interface BGOptions extends WithMetadata, WithSignal, WithRetry {
  /** Seconds to wait for the result (from sending) before TimeoutError. */
  timeout?: number | undefined;
  /** Seconds to wait before sending the call. */
  eta?: number | undefined;
  /** How to pick among the callback's providers: "random" (default), "round-robin", "least-busy". */
  balancing?: Balancing | undefined;
}

/** Options of NO_RETURN: the call is sent and nothing comes back. */
export interface NoReturnOptions extends WithMetadata {
  /** Seconds to wait before sending the call. */
  eta?: number | undefined;
  /** How to pick among the callback's providers: "random" (default), "round-robin", "least-busy". */
  balancing?: Balancing | undefined;
}

/** Options of PERIOD: the executing node runs the call on a schedule (`interval`, or `atTime`); the caller gets a ScheduledTask. */
export interface PeriodOptions extends WithMetadata {
  /** When to run: a Date, epoch milliseconds, or several; each in the future. */
  atTime?: Date | number | Array<Date | number> | undefined;
  /** Run every interval: seconds, or "5s", "1m24s", "1.2 minutes", "500ms". */
  interval?: number | string | undefined;
  /** Which provider schedules it: "random" (default), "round-robin", "least-busy". */
  balancing?: Balancing | undefined;
}

/** Options of BROADCAST: the call goes to every provider; with `returnResult`, their results by process name. */
export interface BroadcastOptions extends WithMetadata, WithSignal {
  /** Seconds to wait for the answers; missing ones become TimeoutError entries. */
  timeout?: number | undefined;
  /** Seconds to wait before sending the call. */
  eta?: number | undefined;
  /** Resolve to `{ [processName]: result | error }` once every process answered; else resolve once sent. */
  returnResult?: boolean | undefined;
}

/** An execution modifier with its options (`FG`, `BG({ eta: 2 })`, …), given to `.with(...)` or a fetcher's `execModifier`. */
export interface Modifier<K extends string = string, O = unknown> {
  readonly kind: K;
  readonly options: O;
}

/** A modifier usable bare (`FG`) or with options (`FG({ timeout: 5 })`). */
export type ModifierFactory<K extends string, O> = Modifier<K, O> & ((options?: O) => Modifier<K, O>);

/** A positive number of seconds, or undefined. */
export function checkSeconds(value: unknown, what: string, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new ConfigurationError(`${what} must be a ${allowZero ? "non-negative" : "positive"} number of seconds, got ${passed(value)}`);
  }
  return value;
}

function modifierFactory<K extends string, O extends object>(kind: K, allowed: Array<keyof O & string>, check: (options: O) => O): ModifierFactory<K, O> {
  let bare: Modifier<K, O> | undefined; // FG() and friends: one frozen modifier (PERIOD() throws every time)
  const factory = (options?: O): Modifier<K, O> => {
    if (options === undefined) return (bare ??= Object.freeze({ kind, options: Object.freeze(check({} as O)) }));
    if (typeof options !== "object" || options === null) {
      throw new ConfigurationError(`${kind}(options) takes an options object, got ${passed(options)}`);
    }
    for (const key of Object.keys(options)) {
      if (!allowed.includes(key as keyof O & string)) {
        throw new ConfigurationError(`${kind} has no option '${key}' (options: ${allowed.join(", ") || "none"})`);
      }
    }
    return Object.freeze({ kind, options: Object.freeze(check(options)) });
  };
  return Object.defineProperties(factory, {
    kind: { value: kind, enumerable: true },
    options: { value: Object.freeze({}), enumerable: true },
  }) as ModifierFactory<K, O>;
}

/** Foreground: the call resolves to the callback's result (the default). */
export const FG = modifierFactory<"FG", FGOptions>("FG", ["timeout", "balancing", "metadata", "signal", "retry"], (o) => ({
  timeout: checkSeconds(o.timeout, "FG timeout"),
  balancing: checkBalancing(o.balancing, "FG balancing"),
  metadata: checkMetadata(o.metadata, "FG metadata"),
  signal: checkSignal(o.signal, "FG signal"),
  retry: checkRetry(o.retry, "FG retry"),
}));

/** Background: the call returns an AsyncResult at once. */
export const BG = modifierFactory<"BG", BGOptions>("BG", ["timeout", "eta", "balancing", "metadata", "signal", "retry"], (o) => ({
  retry: checkRetry(o.retry, "BG retry"),
  timeout: checkSeconds(o.timeout, "BG timeout"),
  eta: checkSeconds(o.eta, "BG eta", true),
  balancing: checkBalancing(o.balancing, "BG balancing"),
  metadata: checkMetadata(o.metadata, "BG metadata"),
  signal: checkSignal(o.signal, "BG signal"),
}));

/** Every provider runs the call; with `returnResult`, a record of their results by process name. */
export const BROADCAST = modifierFactory<"BROADCAST", BroadcastOptions>("BROADCAST", ["timeout", "eta", "returnResult", "metadata", "signal"], (o) => {
  if (o.returnResult !== undefined && typeof o.returnResult !== "boolean") throw new ConfigurationError("BROADCAST returnResult must be a boolean");
  return {
    timeout: checkSeconds(o.timeout, "BROADCAST timeout"),
    eta: checkSeconds(o.eta, "BROADCAST eta", true),
    returnResult: o.returnResult ?? false,
    metadata: checkMetadata(o.metadata, "BROADCAST metadata"),
    signal: checkSignal(o.signal, "BROADCAST signal"),
  };
});

/** Scheduled on the executing node: at given times or every interval; resolves to a ScheduledTask. */
export const PERIOD = modifierFactory<"PERIOD", PeriodOptions>("PERIOD", ["atTime", "interval", "balancing", "metadata"], (o) => {
  if ((o.atTime === undefined) === (o.interval === undefined)) {
    throw new ConfigurationError("PERIOD takes exactly one of atTime or interval");
  }
  const balancing = checkBalancing(o.balancing, "PERIOD balancing");
  const metadata = checkMetadata(o.metadata, "PERIOD metadata");
  if (o.interval !== undefined) {
    parseInterval(o.interval);
    return { interval: o.interval, balancing, metadata };
  }
  const times = (Array.isArray(o.atTime) ? o.atTime : [o.atTime]).map((time) => (time instanceof Date ? time.getTime() : time));
  if (times.length === 0) throw new ConfigurationError("PERIOD atTime is an empty list");
  for (const time of times) {
    if (typeof time !== "number" || !Number.isFinite(time)) throw new ConfigurationError(`PERIOD atTime must be Dates or epoch milliseconds, got ${passed(time)}`);
  }
  return { atTime: times as number[], balancing, metadata };
});

/** Fire and forget: resolves once the controller accepted the call; no result comes back. */
export const NO_RETURN = modifierFactory<"NO_RETURN", NoReturnOptions>("NO_RETURN", ["eta", "balancing", "metadata"], (o) => ({
  eta: checkSeconds(o.eta, "NO_RETURN eta", true),
  balancing: checkBalancing(o.balancing, "NO_RETURN balancing"),
  metadata: checkMetadata(o.metadata, "NO_RETURN metadata"),
}));

/** The modifier with `metadata` under its own (a fetcher's `static metadata`); as it is without. */
export function withMetadata(modifier: Modifier, metadata: Metadata | undefined): Modifier {
  if (metadata === undefined) return modifier;
  const options = modifier.options as WithMetadata | undefined;
  return { kind: modifier.kind, options: { ...options, metadata: options?.metadata ? Object.freeze({ ...metadata, ...options.metadata }) : metadata } };
}
