// Function form of callbacks: `callback(fn)` or `callback("name", fn)` exposes fn and returns it unchanged.
import { ConfigurationError } from "../errors/DaffiError";
import { localCallbacks } from "./CallbackRegistry";
import { type FunctionMetadata, isFunctionMetadata } from "./metadata";
import { warnUntransformed } from "./untransformed";
import { checkLimit } from "./limit";
import type { Limit } from "./marks";

type AnyFunction = (...args: never[]) => unknown;

/** callback()'s options: a concurrency limit (bulkhead) of the callback on this process (README: Concurrency limits). */
export type CallbackOptions = Limit;

/**
 * Exposes `fn` as a callback named after the function (or `name`); returns `fn` unchanged.
 * (The transformer appends a metadata argument with the validators of the parameters.)
 * @daffiKind callback-function
 */
export function callback<F extends AnyFunction>(fn: F): F;
export function callback<F extends AnyFunction>(name: string, fn: F, options?: CallbackOptions): F;
export function callback<F extends AnyFunction>(...input: unknown[]): F {
  const metadata = isFunctionMetadata(input[input.length - 1]) ? (input.pop() as FunctionMetadata).method : undefined;
  // callback(name, fn, { concurrency, queue }): the options come after the function.
  const limit = input.length === 3 ? checkLimit(input.pop(), "callback() options") : undefined;
  const [nameOrFn, maybeFn] = input as [string | F, F | undefined];
  const fn = typeof nameOrFn === "function" ? nameOrFn : maybeFn;
  const name = typeof nameOrFn === "string" ? nameOrFn : fn?.name;
  if (typeof fn !== "function") throw new ConfigurationError("callback() needs a function: callback(fn) or callback(name, fn)");
  if (!name) throw new ConfigurationError("callback(fn) needs a named function; for an arrow function use callback(\"name\", fn)");
  if (!metadata) warnUntransformed(`callback '${name}'`);
  const method = metadata && { ...metadata, name, remoteName: name };
  localCallbacks.add([{ name, fn: fn as unknown as (...args: unknown[]) => unknown, target: undefined, origin: `function ${fn.name || name}`, metadata: method, limit }]);
  return fn;
}
