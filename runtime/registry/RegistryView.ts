// What this process knows of the whole system: connected processes and who exposes which callback.
import { LongTimeout } from "../call/LongTimeout";
import { TimeoutError } from "../errors/DaffiError";

/**
 * The REGISTRY payload. Callbacks are a list of [name, processes, fingerprints?] entries, not an
 * object: any name travels as it is, `__proto__` and `constructor` included. `fingerprints`, when
 * there, gives each process's contract fingerprint ("" for none).
 */
export interface RegistrySnapshot {
  processes: string[];
  callbacks: Array<[string, string[]] | [string, string[], string[]]>;
  /** [process, address ("" for none), key fingerprint] of the processes with direct links. */
  addresses?: Array<[string, string, string]>;
}

/** The processes serving a callback, each with the fingerprint of its contract ("" when it has none). */
export interface Providers {
  processes: readonly string[];
  fingerprints?: readonly string[];
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
  private fingerprints = new Map<string, string[]>();
  private addresses = new Map<string, string>();
  private keys = new Map<string, string>();
  private changes = 0;
  private readonly waiters = new Set<Waiter>();
  /**
   * True from the loss of the controller until the next REGISTRY: what was known then may be gone,
   * so nothing is known (a wait goes on until the new controller says).
   */
  private stale = false;

  update(snapshot: RegistrySnapshot): void {
    this.processes = new Set(isStringList(snapshot?.processes) ? snapshot.processes : []);
    this.callbacks = new Map();
    this.fingerprints = new Map();
    for (const entry of Array.isArray(snapshot?.callbacks) ? snapshot.callbacks : []) {
      if (!Array.isArray(entry) || typeof entry[0] !== "string" || !isStringList(entry[1])) continue;
      this.callbacks.set(entry[0], entry[1]);
      const fingerprints: unknown = entry[2];
      if (isStringList(fingerprints) && fingerprints.length === entry[1].length) this.fingerprints.set(entry[0], fingerprints);
    }
    this.addresses = new Map();
    this.keys = new Map();
    for (const entry of Array.isArray(snapshot?.addresses) ? snapshot.addresses : []) {
      if (!Array.isArray(entry) || typeof entry[0] !== "string") continue;
      if (typeof entry[1] === "string" && entry[1].length > 0 && entry[1].length <= 512) this.addresses.set(entry[0], entry[1]);
      if (typeof entry[2] === "string" && entry[2].length <= 64) this.keys.set(entry[0], entry[2]);
    }
    this.stale = false;
    this.changes++;
    for (const waiter of this.waiters) {
      if (waiter.ready()) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /**
   * The link to the controller is gone: what it said may be gone too, until a new REGISTRY comes.
   * With `frozen`, who serves what stays known for picking providers (calls on direct links go on);
   * waits and `registeredCallbacks` still see nothing until the controller is back.
   */
  markStale(frozen = false): void {
    this.stale = true;
    if (!frozen) {
      this.processes = new Set();
      this.callbacks = new Map();
      this.fingerprints = new Map();
      this.addresses = new Map();
      this.keys = new Map();
    }
    this.changes++;
  }

  /**
   * The fingerprint of the key `process` holds now, as the controller last said (undefined: none
   * listed); null while the view is stale (the controller away: nothing is revoked meanwhile).
   */
  keyOf(process: string): string | undefined | null {
    return this.stale ? null : this.keys.get(process);
  }

  /** Where `process` takes direct links, if it does. */
  address(process: string): string | undefined {
    return this.addresses.get(process);
  }

  /** Grows at every change of the view: what was decided from version N holds while it stays N. */
  get version(): number {
    return this.changes;
  }

  /** Who serves `name` now, with their contract fingerprints (no copy: read, do not keep). */
  providers(name: string): Providers | undefined {
    const processes = this.callbacks.get(name);
    return processes && { processes, fingerprints: this.fingerprints.get(name) };
  }

  /** Callback name → names of the processes that expose it (a copy; empty while the view is stale). */
  registeredCallbacks(): Record<string, string[]> {
    if (this.stale) return {};
    return Object.fromEntries([...this.callbacks].map(([name, processes]) => [name, [...processes]]));
  }

  /** The connected processes' names (empty while the view is stale). */
  processNames(): string[] {
    return this.stale ? [] : [...this.processes];
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
