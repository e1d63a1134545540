// Function form of callbacks: `callback(fn)` or `callback("name", fn)` exposes fn and returns it unchanged.
import { ConfigurationError } from "../errors/DaffiError";
import { localCallbacks } from "./CallbackRegistry";

type AnyFunction = (...args: never[]) => unknown;

export function callback<F extends AnyFunction>(fn: F): F;
export function callback<F extends AnyFunction>(name: string, fn: F): F;
export function callback<F extends AnyFunction>(nameOrFn: string | F, maybeFn?: F): F {
  const fn = typeof nameOrFn === "function" ? nameOrFn : maybeFn;
  const name = typeof nameOrFn === "string" ? nameOrFn : fn?.name;
  if (typeof fn !== "function") throw new ConfigurationError("callback() needs a function: callback(fn) or callback(name, fn)");
  if (!name) throw new ConfigurationError("callback(fn) needs a named function; for an arrow function use callback(\"name\", fn)");
  localCallbacks.add([{ name, fn: fn as unknown as (...args: unknown[]) => unknown, target: undefined, origin: `function ${fn.name || name}` }]);
  return fn;
}
