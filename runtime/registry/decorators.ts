// `@local` and `@alias(name)`: TC39 standard method decorators for Callback and Fetcher classes.
import { ConfigurationError } from "../errors/DaffiError";
import { ALIAS, LOCAL, type Marked } from "./marks";

type Method = (this: unknown, ...args: never[]) => unknown;

/**
 * Keeps a method local: it is neither exposed as a callback nor sent as a fetcher call.
 * @daffiKind local
 */
export function local<M extends Method>(method: M, context: ClassMethodDecoratorContext): M {
  if (context.kind !== "method") throw new ConfigurationError("@local applies to methods only");
  (method as Marked)[LOCAL] = true;
  return method;
}

/**
 * Exposes a callback method (or points a fetcher method) under another remote name.
 * @daffiKind alias
 */
export function alias(name: string): <M extends Method>(method: M, context: ClassMethodDecoratorContext) => M {
  if (typeof name !== "string" || name.length === 0) throw new ConfigurationError("@alias needs a non-empty name");
  return (method, context) => {
    if (context.kind !== "method") throw new ConfigurationError("@alias applies to methods only");
    (method as Marked)[ALIAS] = name;
    return method;
  };
}
