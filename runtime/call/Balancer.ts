// Which provider a call goes to, chosen by the caller: "random" (the controller picks, as the spec
// says), "round-robin" (each provider in turn, per callback), "least-busy" (the provider with the
// fewest of this caller's calls in flight, ties at random).
import { passed } from "../errors/passed";
import { ConfigurationError } from "../errors/DaffiError";
import type { Modifier } from "./modifiers";

/** How a caller spreads its calls over the processes that provide a callback. */
export type Balancing = "random" | "round-robin" | "least-busy";

const STRATEGIES: readonly Balancing[] = ["random", "round-robin", "least-busy"];

/** Turns are kept for at most this many callback names; beyond, they start again (no unbounded growth). */
const MAX_TURNS = 10_000;

/** `value` as a balancing strategy, or undefined; anything else is a ConfigurationError naming `what`. */
export function checkBalancing(value: unknown, what: string): Balancing | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !STRATEGIES.includes(value as Balancing)) {
    throw new ConfigurationError(`${what} must be one of ${STRATEGIES.map((s) => `"${s}"`).join(", ")}, got ${passed(value)}`);
  }
  return value as Balancing;
}

/** Modifiers a provider is picked for (BROADCAST goes to all of them). */
const PICKED = new Set(["FG", "BG", "NO_RETURN", "PERIOD"]);

/** `modifier` with `balancing` when it picks one provider and names no strategy of its own. */
export function withBalancing(modifier: Modifier, balancing: Balancing | undefined): Modifier {
  if (balancing === undefined || !PICKED.has(modifier.kind)) return modifier;
  const options = modifier.options as { balancing?: Balancing } | undefined;
  if (options?.balancing !== undefined) return modifier;
  return { kind: modifier.kind, options: { ...options, balancing } };
}

/** A provider that refused a call of a callback for want of room (OverloadedError) is passed over by least-busy this long. */
export const NO_ROOM_MS = 1000;
const MAX_NO_ROOM = 10_000;

export class Balancer {
  private readonly turns = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  /** `callback\0process` → until when that provider is passed over (it had no room for a call of that callback). */
  private readonly noRoom = new Map<string, number>();

  /**
   * The process the call should go to, or undefined to let the controller pick (random; round-robin
   * with one candidate). least-busy always picks, so that every call of its own is counted.
   */
  pick(strategy: Balancing, name: string, candidates: readonly string[]): string | undefined {
    if (strategy === "random" || candidates.length === 0 || (strategy === "round-robin" && candidates.length === 1)) return undefined;
    if (strategy === "round-robin") {
      if (this.turns.size >= MAX_TURNS && !this.turns.has(name)) this.turns.clear();
      const turn = this.turns.get(name) ?? 0;
      this.turns.set(name, (turn + 1) % Number.MAX_SAFE_INTEGER);
      return candidates[turn % candidates.length];
    }
    let fewest = Number.POSITIVE_INFINITY;
    let ties = 0;
    let chosen: string | undefined;
    // Providers with room first: one that just refused a call of this callback (its limit, its load) only when all did.
    const roomy = this.noRoom.size === 0 ? candidates : this.withRoom(name, candidates);
    for (const candidate of roomy) {
      const busy = this.inFlight.get(candidate) ?? 0;
      if (busy < fewest) {
        fewest = busy;
        chosen = candidate;
        ties = 1;
      } else if (busy === fewest && Math.random() * ++ties < 1) {
        chosen = candidate; // each of the tied ones with the same chance (reservoir sampling)
      }
    }
    return chosen;
  }

  /** `process` refused a call of `name` for want of room (OverloadedError): passed over for NO_ROOM_MS. */
  full(process: string, name: string): void {
    if (this.noRoom.size >= MAX_NO_ROOM) this.noRoom.clear();
    this.noRoom.set(`${name}\0${process}`, Date.now() + NO_ROOM_MS);
  }

  /** `process` answered a call of `name`: it has room again. */
  roomAt(process: string, name: string): void {
    if (this.noRoom.size > 0) this.noRoom.delete(`${name}\0${process}`);
  }

  private withRoom(name: string, candidates: readonly string[]): readonly string[] {
    const now = Date.now();
    const roomy = candidates.filter((candidate) => {
      const key = `${name}\0${candidate}`;
      const until = this.noRoom.get(key);
      if (until === undefined) return true;
      if (until > now) return false;
      this.noRoom.delete(key);
      return true;
    });
    return roomy.length > 0 ? roomy : candidates;
  }

  /** A call to `process` went out (least-busy counts them until they end). */
  started(process: string): void {
    this.inFlight.set(process, (this.inFlight.get(process) ?? 0) + 1);
  }

  finished(process: string): void {
    const left = (this.inFlight.get(process) ?? 1) - 1;
    if (left > 0) this.inFlight.set(process, left);
    else this.inFlight.delete(process);
  }
}
