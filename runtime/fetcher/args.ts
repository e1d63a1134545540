// `args(...)`: what a fetcher method with a body returns (or yields) to say which arguments to send.

const ARGS = Symbol.for("daffi.args");

/** The arguments a fetcher method with a body sends instead of its own. */
export interface Args {
  readonly [ARGS]: unknown[];
}

/**
 * Typed `never` so that `return args(...)` fits a method declared to return the remote result.
 * @daffiKind args
 */
export function args(...values: unknown[]): never {
  return { [ARGS]: values } as Args as never;
}

export function argsValues(value: unknown): unknown[] | undefined {
  return typeof value === "object" && value !== null && ARGS in value ? (value as Args)[ARGS] : undefined;
}
