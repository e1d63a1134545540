// The caller's side of contract checks: before a fetcher's call goes out, are the providers' contracts the one it was compiled against?
import { ContractMismatchError } from "../errors/DaffiError";
import type { Logger } from "../log/Logger";
import { shown } from "../log/shown";
import type { RegistryView } from "../registry/RegistryView";
import { contractMismatch } from "./compatible";
import { fingerprintOf } from "./fingerprint";
import { type ContractShape, type MethodContract, parseContract, printContract } from "./Shape";

export type ContractMode = "strict" | "warn" | "off";

/** Where a call may go: anywhere (undefined), to one process (a mismatched provider is avoided), or after the providers' contracts are read. */
export type Admission = undefined | { target: string } | Promise<undefined | { target: string }>;

interface Mismatch {
  process: string;
  message: string;
}

interface Verdict {
  version: number;
  /** Providers whose contract serves the fetcher's, or that have none (not checked). */
  good: string[];
  bad: Mismatch[];
  /** Contracts still to read before anything can be said. */
  pending?: Promise<unknown>;
}

/** Bounds on what is remembered (contracts read, verdicts, warnings): beyond, the oldest go. */
const MAX_REMEMBERED = 4096;
/** How long reading a provider's contract may take; past it the provider is not checked until the registry changes. */
const READ_TIMEOUT_SECONDS = 5;

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (map.size >= MAX_REMEMBERED && !map.has(key)) map.delete(map.keys().next().value as K);
  map.set(key, value);
}

export class ContractCheck {
  /** By the fetcher method's contract (one object per method, kept as long as it), then by callback name. */
  private readonly verdicts = new WeakMap<MethodContract, Map<string, Verdict>>();
  /** Contracts by fingerprint: parsed, or null when the text read was not a contract. */
  private readonly contracts = new Map<string, ContractShape | null>();
  /** Why the contract of fingerprint B does not serve A ("" when it does), by `A B`. */
  private readonly mismatches = new Map<string, string>();
  /** Providers whose contract could not be read, by `fingerprint`, with the registry version then. */
  private readonly unreadable = new Map<string, number>();
  private readonly reading = new Map<string, Promise<void>>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly registry: RegistryView,
    /** Reads the text of a provider's contract (the built-in `__daffi.signature:<name>` call). */
    private readonly read: (process: string, name: string, timeoutSeconds: number) => Promise<unknown>,
    private readonly mode: Exclude<ContractMode, "off">,
    private readonly log: Logger,
  ) {}

  /** Called before each call of a fetcher method with a contract; throws ContractMismatchError (strict) when no provider serves it. */
  admit(name: string, expected: MethodContract, broadcast: boolean, attempt = 0): Admission {
    let byName = this.verdicts.get(expected);
    if (!byName) this.verdicts.set(expected, (byName = new Map()));
    let verdict = byName.get(name);
    if (!verdict || verdict.version !== this.registry.version) {
      verdict = this.judge(name, expected);
      remember(byName, name, verdict);
    }
    if (verdict.pending) {
      // Contracts were read; judged again (a registry that keeps changing meanwhile is given up on after a few rounds: not checked).
      const waited = verdict;
      return waited.pending!.then(() => {
        if (byName.get(name) === waited) byName.delete(name);
        return attempt < 3 ? this.admit(name, expected, broadcast, attempt + 1) : undefined;
      });
    }
    if (verdict.bad.length === 0) return undefined;
    if (this.mode === "warn") {
      for (const bad of verdict.bad) this.warnOnce(`${expected.fingerprint} ${name} ${bad.process}`, `Contract mismatch (contract: "warn", the call goes on): ${bad.message}`);
      return undefined;
    }
    // A broadcast reaches every provider: one that does not serve the contract fails it. Otherwise a provider that does is chosen.
    if (broadcast || verdict.good.length === 0) throw new ContractMismatchError(verdict.bad[0]!.message);
    return { target: verdict.good[Math.floor(Math.random() * verdict.good.length)]! };
  }

  /** Each provider's signature in TypeScript syntax (undefined for one without a contract, or whose contract could not be read). */
  async signatures(name: string): Promise<Record<string, string | undefined>> {
    const providers = this.registry.providers(name);
    const signatures: Record<string, string | undefined> = {};
    if (!providers) return signatures;
    const { processes, fingerprints } = providers;
    await Promise.all(processes.map((process, i) => (fingerprints?.[i] ? this.readContract(process, name, fingerprints[i]!) : undefined)));
    processes.forEach((process, i) => {
      const contract = fingerprints?.[i] ? this.contracts.get(fingerprints[i]!) : undefined;
      signatures[process] = contract ? printContract(name, contract) : undefined;
    });
    return signatures;
  }

  private judge(name: string, expected: MethodContract): Verdict {
    const version = this.registry.version;
    const providers = this.registry.providers(name);
    const verdict: Verdict = { version, good: [], bad: [] };
    if (!providers) return verdict; // nobody serves it: the call goes and gets CallbackNotFoundError
    const own = this.ownContract(expected);
    if (!own) return verdict;
    const toRead: Array<Promise<void>> = [];
    providers.processes.forEach((process, i) => {
      const fingerprint = providers.fingerprints?.[i];
      if (!fingerprint || fingerprint === expected.fingerprint) return verdict.good.push(process);
      const served = this.contracts.get(fingerprint);
      if (served === undefined) {
        if (this.unreadable.get(fingerprint) === version) return verdict.good.push(process);
        toRead.push(this.readContract(process, name, fingerprint));
        return;
      }
      if (served === null) return verdict.good.push(process);
      const reason = this.mismatch(expected.fingerprint, own, fingerprint, served);
      if (!reason) return verdict.good.push(process);
      verdict.bad.push({
        process,
        message: `fetcher expects ${shown(printContract(name, own), 2000)}, '${shown(process)}' serves ${shown(printContract(name, served), 2000)} (${shown(reason, 500)})`,
      });
    });
    if (toRead.length > 0) verdict.pending = Promise.all(toRead);
    return verdict;
  }

  private ownContract(expected: MethodContract): ContractShape | undefined {
    const known = this.contracts.get(expected.fingerprint);
    if (known !== undefined) return known ?? undefined;
    const parsed = parseContract(expected.text) ?? null;
    remember(this.contracts, expected.fingerprint, parsed);
    return parsed ?? undefined;
  }

  private mismatch(expectedFingerprint: string, expected: ContractShape, servedFingerprint: string, served: ContractShape): string | undefined {
    const key = `${expectedFingerprint} ${servedFingerprint}`;
    let reason = this.mismatches.get(key);
    if (reason === undefined) {
      reason = contractMismatch(expected, served) ?? "";
      remember(this.mismatches, key, reason);
    }
    return reason || undefined;
  }

  /** Reads a provider's contract once per fingerprint; never rejects (an unreadable one is not checked until the registry changes). */
  private readContract(process: string, name: string, fingerprint: string): Promise<void> {
    if (this.contracts.has(fingerprint)) return Promise.resolve();
    const reading = this.reading.get(fingerprint);
    if (reading) return reading;
    const version = this.registry.version;
    const done = this.read(process, name, READ_TIMEOUT_SECONDS)
      .then((text) => {
        // The text must be the one announced: its fingerprint is recomputed here.
        const contract = typeof text === "string" && fingerprintOf(text) === fingerprint ? parseContract(text) : undefined;
        if (contract) return remember(this.contracts, fingerprint, contract);
        remember(this.contracts, fingerprint, null);
        this.warnOnce(`unreadable ${fingerprint}`, `The contract '${shown(process)}' announced for '${shown(name)}' is not one daffi can read: calls to it are not checked`);
      })
      .catch((error: unknown) => {
        remember(this.unreadable, fingerprint, version);
        this.warnOnce(`unread ${fingerprint} ${version}`, `Could not read the contract of '${shown(name)}' on '${shown(process)}' (${shown(error instanceof Error ? error.message : String(error), 300)}): calls to it are not checked for now`);
      })
      .finally(() => this.reading.delete(fingerprint));
    this.reading.set(fingerprint, done);
    return done;
  }

  private warnOnce(key: string, line: string): void {
    if (this.warned.has(key)) return;
    if (this.warned.size >= MAX_REMEMBERED) this.warned.clear();
    this.warned.add(key);
    this.log.warn(line);
  }
}
