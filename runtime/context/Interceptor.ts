// Interceptors: code of the user's that runs around every call, on the caller (outgoing) and on the
// executing node (incoming), in the style of connect-es (README: Call context, Interceptors).
import { ConfigurationError } from "../errors/DaffiError";
import { passed } from "../errors/passed";
import { checkMetadata, type Metadata } from "./metadata";

/** A call as interceptors see it. */
export interface InterceptedCall {
  /** The callback's remote name. */
  readonly name: string;
  /** The execution modifier it is made under. */
  readonly modifier: "FG" | "BG" | "NO_RETURN" | "BROADCAST" | "PERIOD";
  /** A stream as a whole: "read" (a generator callback read with `for await`), "write" (items sent to the callback); undefined for a plain call. */
  readonly stream: "read" | "write" | undefined;
  /** The arguments (none for a stream written: its items come later). Not to be changed. */
  readonly args: readonly unknown[];
  /** The call's metadata, to read and change: what the last outgoing interceptor leaves is sent; what the last incoming one leaves, the callback reads. */
  readonly metadata: Map<string, string>;
  /** The calling process's name. */
  readonly caller: string;
  /** Outgoing: the process the call is pinned to, if any (undefined: balanced). Incoming: this process. */
  readonly target: string | undefined;
  /** When the caller stops waiting (epoch ms); undefined without a timeout. */
  readonly deadline: number | undefined;
  /** Incoming, when the controller enforces auth: the caller's identity. */
  readonly identity: string | undefined;
}

/** Carries the call on: to the next interceptor, and after the last one, out (outgoing) or to the callback (incoming). */
export type Next = (call: InterceptedCall) => Promise<unknown>;

/** One step around a call: do something, call `next(call)` (or throw instead), return what it gives (or something else). */
export type InterceptorStep = (call: InterceptedCall, next: Next) => Promise<unknown>;

/** The Global's `interceptors`: each may have a step for the calls this process makes, and one for those it runs. */
export interface Interceptor {
  /** Around each call this process makes (first to last, the first outermost). Its throw is the caller's error. */
  outgoing?: InterceptorStep | undefined;
  /**
   * Around each call this process runs (first to last, the first outermost), inside the call's
   * context (`currentCall()`). A throw is the caller's error (the same class for a DaffiError, else
   * RemoteError), and the callback does not run.
   */
  incoming?: InterceptorStep | undefined;
}

/** The steps of each side, in order; undefined when there is none (the common case costs nothing). */
export interface InterceptorChains {
  outgoing: InterceptorStep[] | undefined;
  incoming: InterceptorStep[] | undefined;
}

/** Checks the option and splits it by side; daffi's own `first` (tracing), when given, is outermost on each side. */
export function interceptorChains(interceptors: unknown, first?: Interceptor): InterceptorChains {
  if (first) {
    const own = interceptorChains(interceptors);
    return {
      outgoing: first.outgoing ? [first.outgoing, ...(own.outgoing ?? [])] : own.outgoing,
      incoming: first.incoming ? [first.incoming, ...(own.incoming ?? [])] : own.incoming,
    };
  }
  if (interceptors === undefined) return { outgoing: undefined, incoming: undefined };
  if (!Array.isArray(interceptors)) throw new ConfigurationError(`interceptors must be a list of { outgoing?, incoming? }, got ${passed(interceptors)}`);
  const outgoing: InterceptorStep[] = [];
  const incoming: InterceptorStep[] = [];
  interceptors.forEach((interceptor: unknown, i) => {
    if (typeof interceptor !== "object" || interceptor === null) throw new ConfigurationError(`interceptors[${i}] must be an object { outgoing?, incoming? }, got ${passed(interceptor)}`);
    const { outgoing: out, incoming: into, ...rest } = interceptor as Interceptor;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new ConfigurationError(`interceptors[${i}] has no option '${unknown[0]}' (options: outgoing, incoming)`);
    for (const [side, step, list] of [["outgoing", out, outgoing], ["incoming", into, incoming]] as const) {
      if (step === undefined) continue;
      if (typeof step !== "function") throw new ConfigurationError(`interceptors[${i}].${side} must be a function (call, next) => Promise, got ${passed(step)}`);
      list.push(step);
    }
  });
  return { outgoing: outgoing.length > 0 ? outgoing : undefined, incoming: incoming.length > 0 ? incoming : undefined };
}

/** Runs the steps from `index` around `last`; whatever a step does wrong (a throw, a bad `next` argument) settles as a rejection. */
export function runSteps(steps: readonly InterceptorStep[], call: InterceptedCall, last: Next, index = 0): Promise<unknown> {
  try {
    if (index > 0 && (typeof call !== "object" || call === null || !((call as { metadata?: unknown }).metadata instanceof Map))) {
      throw new ConfigurationError(`an interceptor called next() with ${passed(call)}, not the call`);
    }
    if (index === steps.length) return last(call);
    return Promise.resolve(steps[index]!(call, (next) => runSteps(steps, next, last, index + 1)));
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

/** A step's `next` may run the inside once: a second time is refused (a callback run twice, a stream restarted). */
export function once(inner: Next, what: string): Next {
  let ran = false;
  return (call) => {
    if (ran) return Promise.reject(new ConfigurationError(`an interceptor called next() twice for ${what}`));
    ran = true;
    return inner(call);
  };
}

export function mapOf(metadata: Metadata | undefined): Map<string, string> {
  const map = new Map<string, string>();
  if (metadata) for (const key in metadata) map.set(key, metadata[key]!);
  return map;
}

/** The metadata interceptors left: checked as a caller's own (strings, 8 KiB, no reserved keys). */
export function metadataOf(map: Map<string, string>, what: string): Metadata | undefined {
  if (!(map instanceof Map)) throw new ConfigurationError(`${what} must stay a Map, got ${passed(map)}`);
  return map.size === 0 ? undefined : checkMetadata(Object.fromEntries(map), what);
}
