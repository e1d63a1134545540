// The callbacks this process exposes, by remote name; the node announces them to the controller.
import { ConfigurationError } from "../errors/DaffiError";
import type { MethodMetadata } from "./metadata";
import type { Limit } from "./marks";
import { MAX_NAME_LENGTH } from "../wire/limits";

export interface CallbackEntry {
  readonly name: string;
  readonly fn: (...args: unknown[]) => unknown;
  /** `this` for the call: the Callback instance for methods, undefined for functions. */
  readonly target: object | undefined;
  /** Where it comes from, for error messages: "function sum" or "class Calculator". */
  readonly origin: string;
  /** From the transformer: the validators of the arguments. */
  readonly metadata?: MethodMetadata;
  /** Its concurrency limit (`@limit`, or callback()'s options), if any. */
  readonly limit?: Required<Limit> | undefined;
}

export class CallbackRegistry {
  private readonly entries = new Map<string, CallbackEntry>();
  private readonly listeners = new Set<() => void>();
  private changes = 0;

  /** Grows at every change: who announced version N knows whether the list changed since. */
  get version(): number {
    return this.changes;
  }

  get(name: string): CallbackEntry | undefined {
    return this.entries.get(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The contract fingerprint of each callback, in the order of `names()` ("" without the transformer's contract). */
  fingerprints(): string[] {
    return [...this.entries.values()].map((entry) => entry.metadata?.contract?.fingerprint ?? "");
  }

  /** Adds entries all at once: either every name is free, or nothing is added. */
  add(entries: CallbackEntry[]): void {
    for (const entry of entries) {
      if (entry.name.length === 0 || entry.name.length > MAX_NAME_LENGTH) {
        throw new ConfigurationError(`callback names are 1 to ${MAX_NAME_LENGTH} characters long; '${entry.name.slice(0, 40)}…' of ${entry.origin} is not`);
      }
      const existing = this.entries.get(entry.name);
      if (existing && existing.fn !== entry.fn) {
        throw new ConfigurationError(
          `callback '${entry.name}' of ${entry.origin} clashes with '${entry.name}' of ${existing.origin}: a process exposes one callback per name (use @alias to rename one)`,
        );
      }
    }
    for (const entry of entries) this.entries.set(entry.name, entry);
    this.changes++;
    for (const listener of this.listeners) listener();
  }

  /** Called after every change; returns a function that unsubscribes. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The process-wide registry: callbacks are declared at import time, before any Global exists. */
export const localCallbacks = new CallbackRegistry();
