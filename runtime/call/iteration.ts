// Telling a generator (or any iterator object) from a plain value, on both sides of a stream.

export type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;

/** A generator object, sync or async: an iterator that is also iterable. (Arrays and strings are values.) */
export function isIterator(value: unknown): value is AnyIterator & (Iterable<unknown> | AsyncIterable<unknown>) {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as AnyIterator).next === "function" &&
    (Symbol.asyncIterator in value || Symbol.iterator in value)
  );
}
