// What a promise ended with: its value, or the error it rejected with (for tests that inspect failures).
export function settled<T>(promise: PromiseLike<T>): Promise<T | unknown> {
  return Promise.resolve(promise).then(
    (value) => value,
    (error: unknown) => error,
  );
}
