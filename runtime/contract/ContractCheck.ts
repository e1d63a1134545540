// The caller's side of contract checks: before a fetcher's call goes out, are the providers' contracts the one it was compiled against?
import { ContractMismatchError, TimeoutError } from "../errors/DaffiError";
import type { Logger } from "../log/Logger";
import { shown } from "../log/shown";
import type { RegistryView } from "../registry/RegistryView";
import { contractMismatch } from "./compatible";
import { fingerprintOf } from "./fingerprint";
import { type ContractShape, type MethodContract, parseContract, printContract } from "./Shape";

export type ContractMode = "strict" | "warn" | "off";

/**
 * Where a call may go: anywhere (undefined), or to a provider announcing one of the `accept`ed
 * fingerprints (the controller picks among them: a provider that joined since is not one), possibly
 * once the providers' contracts are read.
 */
export type Route = { accept: string; /** Set instead when the accepted fingerprints are too many for a CALL. */ target?: string };
export type Admission = undefined | Route | Promise<undefined | Route>;

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
  /** The fingerprints accepted: the fetcher's own and those of the good providers. */
  route?: Route;
}

/** What was found of a provider's contract against a fetcher's: why it does not serve it ("" when it does), and how it reads. */
interface Judgement {
  reason: string;
  served: string;
}

/** Bounds on what is remembered (verdicts, judgements, warnings): beyond, the oldest go. Each judgement holds at most ~3 KB. */
const MAX_REMEMBERED = 4096;
/** How long reading a provider's contract may take; past it the provider is not checked until the registry changes. */
const READ_TIMEOUT_SECONDS = 5;
/** Rounds of reading while the registry keeps changing; then what is still unread is not checked for this call. */
const MAX_ROUNDS = 3;
/** The most fingerprints a CALL carries (the controller refuses more than 64). */
const MAX_ACCEPTED = 48;
/** A provider whose contract could not be read is tried again after this long (it is not checked meanwhile). */
const UNREADABLE_FOR_MS = 30_000;

/**
 * At most `max` characters, in a string of its own: a slice of a long string would keep the whole
 * of it alive (V8's sliced strings), and the printed contracts of hostile providers can be long.
 */
function kept(text: string, max: number): string {
  return Buffer.from(shown(text, max), "utf8").toString("utf8");
}

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (map.size >= MAX_REMEMBERED && !map.has(key)) map.delete(map.keys().next().value as K);
  map.set(key, value);
}

export class ContractCheck {
  /** By the fetcher method's contract (one object per method, kept as long as it), then by callback name. */
  private readonly verdicts = new WeakMap<MethodContract, Map<string, Verdict>>();
  /** The fetchers' own contracts, parsed (trusted: written by the transformer of this program). */
  private readonly own = new WeakMap<MethodContract, ContractShape | null>();
  /** By `expected served name`. Providers' contracts themselves are not kept. */
  private readonly judgements = new Map<string, Judgement>();
  /** Providers whose contract could not be read or judged, by `fingerprint process`: until when they are not tried again. */
  private readonly unreadable = new Map<string, number>();
  private readonly reading = new Map<string, Promise<void>>();
  /** Signatures as printed, by `fingerprint name`: the fingerprint is the shape's alone, the text names the callback. */
  private readonly printed = new Map<string, string>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly registry: RegistryView,
    /** Reads the text of a provider's contract (the built-in `__daffi.signature:<name>` call). */
    private readonly read: (process: string, name: string, timeoutSeconds: number) => Promise<unknown>,
    private readonly mode: Exclude<ContractMode, "off">,
    private readonly log: Logger,
  ) {}

  /**
   * Called before each call of a fetcher method with a contract; throws ContractMismatchError
   * (strict) when no provider serves it. `deadline` (epoch ms) bounds the reading of contracts.
   */
  admit(name: string, expected: MethodContract, broadcast: boolean, deadline?: number, round = 0): Admission {
    let byName = this.verdicts.get(expected);
    if (!byName) this.verdicts.set(expected, (byName = new Map()));
    let verdict = byName.get(name);
    if (!verdict || verdict.version !== this.registry.version) {
      verdict = this.judge(name, expected, round >= MAX_ROUNDS, deadline);
      if (round < MAX_ROUNDS) remember(byName, name, verdict);
    }
    if (verdict.pending) {
      // Contracts were read: judged again (a registry that keeps changing meanwhile is given up on after a few rounds).
      const waited = verdict;
      return waited.pending!.then(() => {
        if (byName.get(name) === waited) byName.delete(name);
        return this.admit(name, expected, broadcast, deadline, round + 1);
      });
    }
    if (this.mode === "warn") {
      for (const bad of verdict.bad) this.warnOnce(`${expected.fingerprint} ${name} ${bad.process}`, `Contract mismatch (contract: "warn", the call goes on): ${bad.message}`);
      return undefined;
    }
    // A broadcast reaches every provider: one that does not serve the contract fails it. Otherwise the controller picks one that does.
    if (verdict.bad.length > 0 && (broadcast || verdict.good.length === 0)) throw new ContractMismatchError(verdict.bad[0]!.message);
    // A broadcast goes to every provider: never pinned to one (with too many fingerprints to list, it is not filtered).
    if (broadcast && verdict.route?.target) return undefined;
    return verdict.route;
  }

  /** Each provider's signature in TypeScript syntax (undefined for one without a contract, or whose contract could not be read). */
  async signatures(name: string): Promise<Record<string, string | undefined>> {
    const providers = this.registry.providers(name);
    const signatures: Record<string, string | undefined> = {};
    if (!providers) return signatures;
    const { processes, fingerprints } = providers;
    await Promise.all(
      processes.map(async (process, i) => {
        const fingerprint = fingerprints?.[i];
        signatures[process] = fingerprint ? await this.printedContract(process, name, fingerprint) : undefined;
      }),
    );
    return Object.fromEntries(processes.map((process) => [process, signatures[process]]));
  }

  private judge(name: string, expected: MethodContract, givingUp: boolean, deadline: number | undefined): Verdict {
    const version = this.registry.version;
    const providers = this.registry.providers(name);
    // Nobody known to serve it yet: only a provider of the very same contract (or of none) may take the call.
    const verdict: Verdict = { version, good: [], bad: [], route: { accept: expected.fingerprint } };
    if (!providers) return verdict;
    const own = this.ownContract(expected);
    if (!own) return { version, good: [], bad: [] }; // not a contract this runtime can read: not checked
    const toRead: Array<{ process: string; fingerprint: string }> = [];
    providers.processes.forEach((process, i) => {
      const fingerprint = providers.fingerprints?.[i];
      if (!fingerprint || fingerprint === expected.fingerprint) return verdict.good.push(process);
      const judgement = this.judgements.get(`${expected.fingerprint} ${fingerprint} ${name}`);
      if (!judgement) {
        // Not read yet: read it, unless that failed a short while ago or the rounds are over (then it is not checked).
        if (givingUp || (this.unreadable.get(`${fingerprint} ${process} ${name}`) ?? 0) > Date.now()) return verdict.good.push(process);
        toRead.push({ process, fingerprint });
        return;
      }
      if (!judgement.reason) return verdict.good.push(process);
      verdict.bad.push({
        process,
        message: `fetcher expects ${shown(printContract(name, own), 2000)}, '${shown(process)}' serves ${judgement.served} (${judgement.reason})`,
      });
    });
    const accepted = new Set([expected.fingerprint]);
    providers.processes.forEach((process, i) => {
      const fingerprint = providers.fingerprints?.[i];
      if (fingerprint && verdict.good.includes(process)) accepted.add(fingerprint);
    });
    // More fingerprints than a CALL may carry: the call is pinned to one good provider instead.
    verdict.route =
      accepted.size <= MAX_ACCEPTED || verdict.good.length === 0 ? { accept: [...accepted].join(" ") } : { accept: "", target: verdict.good[Math.floor(Math.random() * verdict.good.length)]! };
    if (toRead.length === 0) return verdict;
    // Some providers are known to serve it: the call goes to them now (the unread ones are not accepted),
    // they are read in the background with their own time (not this call's); the next call judges again.
    // Else the call waits for the reading, within its own time.
    const background = verdict.good.length > 0;
    const reads = Promise.all(toRead.map(({ process, fingerprint }) => this.judgeProvider(process, name, fingerprint, expected, own, background ? undefined : deadline)));
    if (!background) {
      verdict.pending = reads;
      return verdict;
    }
    void reads.then(() => {
      const byName = this.verdicts.get(expected);
      if (byName?.get(name) === verdict) byName.delete(name);
    });
    return verdict;
  }

  private ownContract(expected: MethodContract): ContractShape | undefined {
    let parsed = this.own.get(expected);
    if (parsed === undefined) {
      parsed = parseContract(expected.text, { trusted: true }) ?? null;
      this.own.set(expected, parsed);
    }
    return parsed ?? undefined;
  }

  /** The text of a provider's contract, checked against the fingerprint it announced; undefined (and a warning) when it is not that. */
  private async readText(process: string, name: string, fingerprint: string, deadline: number | undefined): Promise<ContractShape | undefined> {
    const left = deadline === undefined ? READ_TIMEOUT_SECONDS : Math.min(READ_TIMEOUT_SECONDS, (deadline - Date.now()) / 1000);
    // Cut short by the call's own time, a read says nothing of the provider: it is not marked.
    const cutByCaller = left < READ_TIMEOUT_SECONDS;
    if (left <= 0) return undefined;
    const unreadable = (why: string) => {
      remember(this.unreadable, `${fingerprint} ${process} ${name}`, Date.now() + UNREADABLE_FOR_MS);
      this.warnOnce(`unreadable ${fingerprint} ${process}`, `The contract of '${shown(name)}' on '${shown(process)}' ${why}: calls to it are not checked for now (tried again in ${UNREADABLE_FOR_MS / 1000}s)`);
      return undefined;
    };
    let text: unknown;
    try {
      text = await this.read(process, name, left);
    } catch (error) {
      if (cutByCaller && error instanceof TimeoutError) return undefined;
      return unreadable(`could not be read (${shown(error instanceof Error ? error.message : String(error), 300)})`);
    }
    // The text must be the one announced: its fingerprint is recomputed here.
    const contract = typeof text === "string" && fingerprintOf(text) === fingerprint ? parseContract(text) : undefined;
    return contract ?? unreadable("is not the one it announced, or not one daffi can read");
  }

  /** Reads a provider's contract and judges it against the fetcher's, once per pair of fingerprints; never rejects. */
  private judgeProvider(process: string, name: string, fingerprint: string, expected: MethodContract, own: ContractShape, deadline: number | undefined): Promise<void> {
    const key = `${expected.fingerprint} ${fingerprint} ${name}`;
    const reading = this.reading.get(key);
    if (reading) return reading;
    const done = this.readText(process, name, fingerprint, deadline)
      .then((served) => {
        if (!served) return;
        try {
          const reason = contractMismatch(own, served) ?? "";
          remember(this.judgements, key, { reason: kept(reason, 500), served: kept(printContract(name, served), 2000) });
        } catch (error) {
          // A shape the rules cannot handle is not judged (never a failure of the caller's calls).
          remember(this.unreadable, `${fingerprint} ${process} ${name}`, Date.now() + UNREADABLE_FOR_MS);
          this.warnOnce(`unjudged ${key}`, `The contract of '${shown(name)}' on '${shown(process)}' could not be compared (${shown(String(error), 300)}): calls to it are not checked`);
        }
      })
      .finally(() => this.reading.delete(key));
    this.reading.set(key, done);
    return done;
  }

  private async printedContract(process: string, name: string, fingerprint: string): Promise<string | undefined> {
    const key = `${fingerprint} ${name}`;
    const known = this.printed.get(key);
    if (known !== undefined) return known;
    const served = await this.readText(process, name, fingerprint, undefined);
    if (!served) return undefined;
    try {
      const text = kept(printContract(name, served), 2000);
      remember(this.printed, key, text);
      return text;
    } catch {
      return undefined;
    }
  }

  private warnOnce(key: string, line: string): void {
    if (this.warned.has(key)) return;
    if (this.warned.size >= MAX_REMEMBERED) this.warned.clear();
    this.warned.add(key);
    this.log.warn(line);
  }
}
