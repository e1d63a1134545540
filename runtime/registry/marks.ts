// Marks that decorators and the transformer leave on functions and classes, read by the registry.

/** Set on a method by `@local`: never exposed nor fetched. */
export const LOCAL = Symbol.for("daffi.local");
/** Set on a method by `@alias(name)`: the remote name to use instead of the method's own. */
export const ALIAS = Symbol.for("daffi.alias");
/** Static method of Callback that the transformer calls from a static block of every subclass. */
export const DEFINE = Symbol.for("daffi.define");

/** Set on a method by `@limit({ concurrency, queue })`: how many of its calls run at once, how many wait. */
export const LIMIT = Symbol.for("daffi.limit");

export interface Marked {
  [LOCAL]?: boolean;
  [ALIAS]?: string;
  [LIMIT]?: Limit;
}

/** A callback's concurrency limit (bulkhead): at most `concurrency` calls run at once, `queue` more wait; beyond, OverloadedError. */
export interface Limit {
  /** Calls of this callback that run at once on this process. */
  concurrency: number;
  /** Calls that wait for a free place (default 100); beyond, OverloadedError at once. */
  queue?: number | undefined;
}
