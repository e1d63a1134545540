// What this process knows of the whole system: connected processes and who exposes which callback.
import { LongTimeout } from "../call/LongTimeout";
import { TimeoutError } from "../errors/DaffiError";

/**
 * The REGISTRY payload. Callbacks are a list of [name, processes] pairs, not an object: any name
 * travels as it is, `__proto__` and `constructor` included.
 */
export interface RegistrySnapshot {
  processes: string[];
  callbacks: Array<[string, string[]]>;
}

interface Waiter {
  ready: () => boolean;
  resolve: () => void;
  reject: (error: Error) => void;
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

export class RegistryView {
  private processes = new Set<string>();
  private callbacks = new Map<string, string[]>();
  private readonly waiters = new Set<Waiter>();
  /**
   * True from the loss of the controller until the next REGISTRY: what was known then may be gone,
   * so nothing is known (a wait goes on until the new controller says).
   */
  private stale = false;

  update(snapshot: RegistrySnapshot): void {
    this.processes = new Set(isStringList(snapshot?.processes) ? snapshot.processes : []);
    this.callbacks = new Map();
    for (const pair of Array.isArray(snapshot?.callbacks) ? snapshot.callbacks : []) {
      if (Array.isArray(pair) && typeof pair[0] === "string" && isStringList(pair[1])) this.callbacks.set(pair[0], pair[1]);
    }
    this.stale = false;
    for (const waiter of this.waiters) {
      if (waiter.ready()) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /** The link to the controller is gone: forget what it said, until a new REGISTRY comes. */
  markStale(): void {
    this.stale = true;
    this.processes = new Set();
    this.callbacks = new Map();
  }

  /** Callback name → names of the processes that expose it (a copy; empty while the view is stale). */
  registeredCallbacks(): Record<string, string[]> {
    return Object.fromEntries([...this.callbacks].map(([name, processes]) => [name, [...processes]]));
  }

  hasProcess(name: string): boolean {
    return !this.stale && this.processes.has(name);
  }

  hasCallback(name: string): boolean {
    return !this.stale && (this.callbacks.get(name)?.length ?? 0) > 0;
  }

  /** Resolves once `ready()` holds; rejects with TimeoutError after `timeoutSeconds` if given. */
  waitUntil(ready: () => boolean, what: string, timeoutSeconds?: number): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let timer: LongTimeout | undefined;
      const waiter: Waiter = {
        ready,
        resolve: () => {
          timer?.clear();
          resolve();
        },
        reject: (error) => {
          timer?.clear();
          reject(error);
        },
      };
      this.waiters.add(waiter);
      if (timeoutSeconds !== undefined) {
        timer = new LongTimeout(() => {
          this.waiters.delete(waiter);
          reject(new TimeoutError(`${what} did not appear within ${timeoutSeconds}s`));
        }, timeoutSeconds * 1000);
      }
    });
  }

  /** Rejects every pending wait (the Global stopped). */
  abandon(error: Error): void {
    for (const waiter of this.waiters) waiter.reject(error);
    this.waiters.clear();
  }
}
