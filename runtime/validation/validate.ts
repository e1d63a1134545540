// Checks a call's arguments and results against the transformer's typia validators.
import { ValidationError } from "../errors/DaffiError";
import type { MethodMetadata, ValidationOutcome } from "../registry/metadata";

function describe(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value);
  if (value instanceof Date) return `Date(${value.toISOString()})`;
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : `an object (${value.constructor?.name ?? "Object"})`;
}

function failure(what: string, path: string, expected: string, value: unknown): ValidationError {
  return new ValidationError(`${what}: ${path} should be ${expected}, got ${describe(value)}`, { path, expected, value });
}

/** typia reports paths from `$input`; rebase them on the argument's own position. */
function firstError(outcome: ValidationOutcome, rebase: (path: string) => string): { path: string; expected: string; value: unknown } {
  const error = outcome.errors?.[0] ?? { path: "$input", expected: "a valid value", value: undefined };
  return { ...error, path: rebase(error.path) };
}

const invalidArguments = (method: MethodMetadata) => `invalid arguments for '${method.remoteName}'`;

/**
 * The first problem with `args` for this method, or undefined when they fit (or nothing is known).
 * An overloaded method takes the arguments of any of its signatures.
 */
export function checkArguments(method: MethodMetadata, args: unknown[]): ValidationError | undefined {
  if (!method.overloads) return checkSignature(method, args);
  let first: ValidationError | undefined;
  for (const overload of method.overloads) {
    const problem = checkSignature({ ...overload, name: method.name, remoteName: method.remoteName }, args);
    if (!problem) return undefined;
    first ??= problem;
  }
  return first && new ValidationError(`${first.message} (nor do they fit any other of its ${method.overloads.length} signatures)`, first);
}

/** The signature of an overloaded method that `args` fit (the method itself when it has one signature). */
export function signatureFor(method: MethodMetadata, args: unknown[]): MethodMetadata {
  for (const overload of method.overloads ?? []) {
    const candidate = { ...overload, name: method.name, remoteName: method.remoteName };
    if (!checkSignature(candidate, args)) return candidate;
  }
  return method;
}

function checkSignature(method: MethodMetadata, args: unknown[]): ValidationError | undefined {
  const validators = method.args;
  if (!validators) return undefined;
  const fixed = method.rest ? validators.length - 1 : validators.length;
  if (!method.rest && args.length > fixed) {
    return failure(invalidArguments(method), "$input", `at most ${fixed} argument${fixed === 1 ? "" : "s"}`, args.length);
  }
  for (let i = 0; i < fixed; i++) {
    // Left out (or undefined) where TypeScript lets it be: the default applies on the callback's side.
    if (args[i] === undefined && method.optional?.[i]) continue;
    const outcome = validators[i]?.(args[i]);
    if (outcome && !outcome.success) {
      const error = firstError(outcome, (path) => path.replace(/^\$input/, `$input[${i}]`));
      return failure(invalidArguments(method), error.path, error.expected, error.value);
    }
  }
  const restValidator = method.rest ? validators[fixed] : undefined;
  const outcome = restValidator?.(args.slice(fixed));
  if (outcome && !outcome.success) {
    const error = firstError(outcome, (path) => path.replace(/^\$input\[(\d+)\]/, (_, index: string) => `$input[${Number(index) + fixed}]`));
    return failure(invalidArguments(method), error.path, error.expected, error.value);
  }
  return undefined;
}

/** Throws ValidationError when the result does not fit the declared return type. */
export function checkResult<R>(method: MethodMetadata, value: R): R {
  const outcome = method.result?.(value);
  if (outcome && !outcome.success) {
    const error = firstError(outcome, (path) => path.replace(/^\$input/, "$result"));
    throw failure(`the result of '${method.remoteName}' does not match its declared type`, error.path, error.expected, error.value);
  }
  return value;
}

/** Throws ValidationError when a stream's item does not fit the declared item type (path `$item[index]…`). */
export function checkItem(method: MethodMetadata, value: unknown, index: number): void {
  const outcome = method.item?.(value);
  if (outcome && !outcome.success) {
    const error = firstError(outcome, (path) => path.replace(/^\$input/, `$item[${index}]`));
    throw failure(`item ${index} of the stream of '${method.remoteName}' does not match its declared type`, error.path, error.expected, error.value);
  }
}
