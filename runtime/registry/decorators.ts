// `@local` and `@alias(name)`: method decorators for Callback and Fetcher classes, standard (TC39) or
// TypeScript's `experimentalDecorators` (the norm of NestJS and TypeORM projects), with the same effect.
import { ConfigurationError } from "../errors/DaffiError";
import { ALIAS, LIMIT, type Limit, LOCAL, type Marked } from "./marks";
import { checkLimit } from "./limit";

type Method = (this: unknown, ...args: never[]) => unknown;

/** A method decorator of either flavour. */
export interface DaffiMethodDecorator {
  /** Standard decorators. */
  <M extends Method>(method: M, context: ClassMethodDecoratorContext): M;
  /** `experimentalDecorators: true`. */
  (target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor): void;
}

/** The method a decorator was applied to, whichever the flavour; `what` names the decorator in errors. */
function decorated(what: string, args: unknown[]): Marked {
  const [first, second, third] = args;
  if (args.length === 3 && (typeof second === "string" || typeof second === "symbol")) {
    // experimentalDecorators: (prototype, name, descriptor)
    const value = (third as PropertyDescriptor | undefined)?.value as unknown;
    if (typeof value !== "function") throw new ConfigurationError(`${what} applies to methods only`);
    return value as Marked;
  }
  if ((second as ClassMethodDecoratorContext | undefined)?.kind !== "method" || typeof first !== "function") throw new ConfigurationError(`${what} applies to methods only`);
  return first as Marked;
}

/** The decorators return the method itself (standard) or nothing (experimental: the descriptor stays). */
const result = (args: unknown[], method: Marked) => (args.length === 3 ? undefined : method);

/**
 * Keeps a method local: it is neither exposed as a callback nor sent as a fetcher call.
 * @daffiKind local
 */
export const local: DaffiMethodDecorator = ((...args: unknown[]) => {
  const method = decorated("@local", args);
  method[LOCAL] = true;
  return result(args, method);
}) as DaffiMethodDecorator;

/**
 * Bounds how many calls of a callback method run at once on this process (a bulkhead): beyond
 * `concurrency`, calls wait in a queue of `queue` (default 100; their deadline still counts); beyond
 * that, they fail at once with OverloadedError.
 */
export function limit(options: Limit): DaffiMethodDecorator {
  const checked = checkLimit(options, "@limit");
  return ((...args: unknown[]) => {
    const method = decorated("@limit", args);
    method[LIMIT] = checked;
    return result(args, method);
  }) as DaffiMethodDecorator;
}

/**
 * Exposes a callback method (or points a fetcher method) under another remote name.
 * @daffiKind alias
 */
export function alias(name: string): DaffiMethodDecorator {
  if (typeof name !== "string" || name.length === 0) throw new ConfigurationError("@alias needs a non-empty name");
  return ((...args: unknown[]) => {
    const method = decorated("@alias", args);
    method[ALIAS] = name;
    return result(args, method);
  }) as DaffiMethodDecorator;
}
