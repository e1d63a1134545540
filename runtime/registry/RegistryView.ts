// What this process knows of the whole system: connected processes and who exposes which callback.
import { TimeoutError } from "../errors/DaffiError";

export interface RegistrySnapshot {
  processes: string[];
  callbacks: Record<string, string[]>;
}

interface Waiter {
  ready: () => boolean;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class RegistryView {
  private processes = new Set<string>();
  private callbacks: Record<string, string[]> = {};
  private readonly waiters = new Set<Waiter>();

  update(snapshot: RegistrySnapshot): void {
    this.processes = new Set(Array.isArray(snapshot?.processes) ? snapshot.processes : []);
    this.callbacks = snapshot?.callbacks && typeof snapshot.callbacks === "object" ? snapshot.callbacks : {};
    for (const waiter of this.waiters) {
      if (waiter.ready()) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /** Callback name → names of the processes that expose it (a copy). */
  registeredCallbacks(): Record<string, string[]> {
    return Object.fromEntries(Object.entries(this.callbacks).map(([name, processes]) => [name, [...processes]]));
  }

  hasProcess(name: string): boolean {
    return this.processes.has(name);
  }

  hasCallback(name: string): boolean {
    return (this.callbacks[name]?.length ?? 0) > 0;
  }

  /** Resolves once `ready()` holds; rejects with TimeoutError after `timeoutSeconds` if given. */
  waitUntil(ready: () => boolean, what: string, timeoutSeconds?: number): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        ready,
        resolve: () => {
          if (timer) clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          if (timer) clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.add(waiter);
      if (timeoutSeconds !== undefined) {
        timer = setTimeout(() => {
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
