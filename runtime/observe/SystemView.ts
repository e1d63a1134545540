// The running system as `daffi inspect` and the dashboard show it: the processes, each one's
// callbacks with their signatures, calls in flight, rates and errors by code, and the edges between
// processes with their call rates. Read by a node of its own: the registry it was sent, and each
// process's figures (the built-in call BUILTIN.stats), rates from one sample to the next.
import { codeOf } from "../errors/DaffiError";
import type { Global } from "../global/Global";
import type { Node } from "../node/Node";
import { BUILTIN } from "../node/builtins";
import { Mode } from "../wire/Kind";
import { MAX_CALLERS_PER_CALLBACK, type StatsSnapshot } from "./CallStats";

/** One callback of one process. */
export interface CallbackView {
  name: string;
  /** Its signature in TypeScript syntax, as its process announced it (undefined without the transformer). */
  signature?: string | undefined;
  inFlight: number;
  queued: number;
  /** Calls ended since the process started. */
  calls: number;
  /** Calls ended per second since the previous sample. */
  rate: number;
  /** Calls ended in an error, by code, since the process started. */
  errors: Record<string, number>;
  /** Mean time of a call, in milliseconds (undefined before the first). */
  meanMs?: number | undefined;
}

/** One process of a Topology: its callbacks, or why it gave no figures. */
export interface ProcessView {
  name: string;
  /** The controller's own process (the dashboard's), not one of its nodes. */
  controller?: boolean;
  /** Whether it answered for its figures (else they are missing: an old daffi, no permission, busy). */
  answered: boolean;
  /** Why it did not answer. */
  error?: string | undefined;
  callbacks: CallbackView[];
}

/** Calls from one process to callbacks of another. */
export interface EdgeView {
  from: string;
  to: string;
  calls: number;
  rate: number;
}

/** The running system as `daffi inspect` and the dashboard show it (one sample). */
export interface Topology {
  /** When sampled, epoch ms. */
  at: number;
  processes: ProcessView[];
  edges: EdgeView[];
  /** Errors of all callbacks, by code, since their processes started. */
  errors: Record<string, number>;
}

/** Edges a sample shows at most (the busiest). */
export const MAX_EDGES = 2048;

/** Seconds a process has to answer for its figures. */
const STATS_TIMEOUT_SECONDS = 2;

export class SystemView {
  private previous = new Map<string, StatsSnapshot>();

  constructor(
    private readonly g: Global,
    private readonly node: Node,
    /** Processes not shown (the tool's own process). */
    private readonly hidden: ReadonlySet<string> = new Set([g.processName]),
    /** The controller's process name, when this view runs in it. */
    private readonly controllerName?: string,
  ) {}

  /** One sample of the whole system; rates count from the previous sample. */
  async sample(): Promise<Topology> {
    const processes = this.node.registry.processNames().filter((name) => !this.hidden.has(name) || name === this.controllerName);
    processes.sort();
    const callbacksOf = new Map<string, string[]>();
    for (const [callback, providers] of Object.entries(this.g.registeredCallbacks)) {
      for (const process of providers) (callbacksOf.get(process) ?? callbacksOf.set(process, []).get(process)!).push(callback);
    }
    const snapshots = await Promise.all(processes.map((process) => this.statsOf(process)));
    const signatures = await this.signatures(callbacksOf);
    const topology: Topology = { at: Date.now(), processes: [], edges: [], errors: {} };
    const edges = new Map<string, EdgeView>();
    const next = new Map<string, StatsSnapshot>();
    processes.forEach((process, i) => {
      const got = snapshots[i]!;
      const snapshot = "snapshot" in got ? got.snapshot : undefined;
      const before = this.previous.get(process);
      if (snapshot) next.set(process, snapshot);
      const seconds = snapshot && before ? Math.max((snapshot.at - before.at) / 1000, 0.001) : 0;
      const names = new Set([...(callbacksOf.get(process) ?? []), ...Object.keys(snapshot?.callbacks ?? {})]);
      const view: ProcessView = { name: process, answered: snapshot !== undefined, callbacks: [] };
      if (process === this.controllerName) view.controller = true;
      if ("error" in got) view.error = got.error;
      for (const name of [...names].sort()) {
        const stats = snapshot?.callbacks[name];
        const old = before?.callbacks[name];
        const calls = stats ? sum(stats.outcomes) : 0;
        const errors: Record<string, number> = {};
        for (const [code, count] of Object.entries(stats?.outcomes ?? {})) if (code !== "OK") errors[code] = count;
        for (const [code, count] of Object.entries(errors)) topology.errors[code] = (topology.errors[code] ?? 0) + count;
        view.callbacks.push({
          name,
          signature: signatures.get(`${process}\u0000${name}`),
          inFlight: stats?.inFlight ?? 0,
          queued: stats?.queued ?? 0,
          calls,
          rate: seconds > 0 ? Math.max(0, calls - (old ? sum(old.outcomes) : 0)) / seconds : 0,
          errors,
          meanMs: stats && calls > 0 ? (stats.seconds / calls) * 1000 : undefined,
        });
        for (const [caller, count] of Object.entries(stats?.callers ?? {})) {
          if (this.hidden.has(caller) && caller !== this.controllerName) continue;
          const key = `${caller}\u0000${process}`;
          const edge = edges.get(key) ?? edges.set(key, { from: caller, to: process, calls: 0, rate: 0 }).get(key)!;
          edge.calls += count;
          if (seconds > 0) edge.rate += Math.max(0, count - (old?.callers[caller] ?? 0)) / seconds;
        }
      }
      topology.processes.push(view);
    });
    this.previous = next;
    // The busiest edges, at most MAX_EDGES (hostile processes could make one per pair of names).
    const kept = [...edges.values()].sort((a, b) => b.rate - a.rate || b.calls - a.calls).slice(0, MAX_EDGES);
    topology.edges = kept.sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
    return topology;
  }

  private async statsOf(process: string): Promise<{ snapshot: StatsSnapshot } | { error: string }> {
    try {
      const answer = await this.node.call(BUILTIN.stats, [], { mode: Mode.FG, target: process, timeout: STATS_TIMEOUT_SECONDS });
      const snapshot = cleanSnapshot(answer);
      return snapshot ? { snapshot } : { error: "its figures are not in a form this daffi reads" };
    } catch (error) {
      return { error: `${codeOf(error)}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  /** The signature of each process's callbacks (read once per contract, then from the contract check's memory). */
  private async signatures(callbacksOf: Map<string, string[]>): Promise<Map<string, string | undefined>> {
    const names = new Set([...callbacksOf.values()].flat());
    const found = new Map<string, string | undefined>();
    await Promise.all(
      [...names].map(async (name) => {
        const byProcess = await this.g.signatureOf(name).catch(() => ({}) as Record<string, string | undefined>);
        for (const [process, signature] of Object.entries(byProcess)) found.set(`${process}\u0000${name}`, signature);
      }),
    );
    return found;
  }
}

/** A peer's figures, taken only as far as they are what they should be (numbers, bounded counts): a peer may send anything. */
export function cleanSnapshot(value: unknown): StatsSnapshot | undefined {
  const answer = value as Partial<StatsSnapshot> | null;
  if (typeof answer !== "object" || answer === null || typeof answer.callbacks !== "object" || answer.callbacks === null || !finite(answer.at)) return undefined;
  const callbacks: StatsSnapshot["callbacks"] = {};
  // In all, not only per callback: what one process's figures make the view (and the page) hold stays small.
  let entries = 0;
  const listed = new WeakMap<object, string[]>();
  for (const name of keysUpTo(answer.callbacks, MAX_CALLBACKS_SHOWN, listed)) {
    const stats = (answer.callbacks as Record<string, unknown>)[name] as Partial<StatsSnapshot["callbacks"][string]> | null;
    if (typeof stats !== "object" || stats === null) continue;
    const room = Math.max(0, MAX_ENTRIES_PER_PROCESS - entries);
    const outcomes = counts(stats.outcomes, Math.min(32, room), listed);
    const callers = counts(stats.callers, Math.min(MAX_CALLERS_PER_CALLBACK + 1, room - Object.keys(outcomes).length), listed);
    entries += 1 + Object.keys(outcomes).length + Object.keys(callers).length;
    callbacks[name.slice(0, MAX_NAME_SHOWN)] = { inFlight: count(stats.inFlight), queued: count(stats.queued), outcomes, seconds: count(stats.seconds), callers };
    if (entries >= MAX_ENTRIES_PER_PROCESS) break;
  }
  return { process: String(answer.process).slice(0, MAX_NAME_SHOWN), at: answer.at as number, callbacks };
}

/** Callbacks taken of one process's figures. */
const MAX_CALLBACKS_SHOWN = 1024;
/** Entries (callbacks, outcome codes, callers) taken of one process's figures, in all. */
const MAX_ENTRIES_PER_PROCESS = 8192;
/** Longest name taken (names are shorter: the wire's own bound). */
const MAX_NAME_SHOWN = 256;

function finite(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** A count as a peer gives it: a number from 0 to 2^53 (sums of a bounded number of them stay finite), else 0. */
function count(value: unknown): number {
  return finite(value) && value >= 0 ? Math.min(value, Number.MAX_SAFE_INTEGER) : 0;
}

/** The most keys read of any one object of a peer's figures (the largest bound asked of one). */
const MAX_KEYS_READ = Math.max(MAX_CALLERS_PER_CALLBACK + 1, MAX_CALLBACKS_SHOWN);

/**
 * At most `most` own keys of a plain object; none of an array. Each object's keys are listed once per
 * answer (`listed`): a decoder's shared references can make a small answer hold one huge object many
 * times, and listing an object's keys costs its size whatever is taken of them.
 */
function keysUpTo(value: unknown, most: number, listed: WeakMap<object, string[]>): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value) || ArrayBuffer.isView(value) || most <= 0) return [];
  let keys = listed.get(value);
  if (!keys) {
    keys = Object.keys(value).slice(0, MAX_KEYS_READ);
    listed.set(value, keys);
  }
  return keys.length <= most ? keys : keys.slice(0, most);
}

function counts(value: unknown, most: number, listed: WeakMap<object, string[]>): Record<string, number> {
  const clean = Object.create(null) as Record<string, number>;
  for (const key of keysUpTo(value, most, listed)) clean[key.slice(0, MAX_NAME_SHOWN)] = count((value as Record<string, unknown>)[key]);
  return clean;
}

function sum(outcomes: Record<string, number>): number {
  let total = 0;
  for (const code in outcomes) total += outcomes[code]!;
  return total;
}
