// The options of a callback's concurrency limit (`@limit`, `callback(name, fn, { concurrency, queue })`), checked.
import { ConfigurationError } from "../errors/DaffiError";
import { passed } from "../errors/passed";
import type { Limit } from "./marks";

/** The queue of a limit that does not say. */
export const DEFAULT_LIMIT_QUEUE = 100;

export function checkLimit(options: unknown, what: string): Required<Limit> {
  if (typeof options !== "object" || options === null || Array.isArray(options)) throw new ConfigurationError(`${what} takes { concurrency, queue? }, got ${passed(options)}`);
  const { concurrency, queue = DEFAULT_LIMIT_QUEUE, ...rest } = options as Limit;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new ConfigurationError(`${what} has no option '${unknown[0]}' (options: concurrency, queue)`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new ConfigurationError(`${what}: concurrency must be a whole number, at least 1, got ${passed(concurrency)}`);
  if (!Number.isInteger(queue) || queue < 0) throw new ConfigurationError(`${what}: queue must be a whole number, at least 0, got ${passed(queue)}`);
  return Object.freeze({ concurrency, queue });
}
