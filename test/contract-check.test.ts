// The caller's contract check (runtime/contract/ContractCheck.ts) with a real RegistryView and
// a scripted `read` (what `__daffi.signature:<name>` answers), no processes needed.
import { describe, expect, it } from "@jest/globals";
import { ContractCheck } from "../runtime/contract/ContractCheck";
import { ContractMismatchError } from "../runtime/errors/DaffiError";
import { contractMismatch } from "../runtime/contract/compatible";
import { fingerprintOf } from "../runtime/contract/fingerprint";
import { type ContractShape, type MethodContract, parseContract } from "../runtime/contract/Shape";
import type { Logger } from "../runtime/log/Logger";
import { RegistryView } from "../runtime/registry/RegistryView";
import * as v8 from "node:v8";
import * as vm from "node:vm";

// The heap is measured after a full collection (what is kept, not what is garbage yet).
v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;

const contractOf = (shape: ContractShape): MethodContract => {
  const text = JSON.stringify(shape);
  return { text, fingerprint: fingerprintOf(text) };
};
/** What the fetcher was compiled against: add(a: number): number */
const expected = contractOf({ sigs: [{ params: [{ name: "a", type: "number" }], result: "number" }] });
/** An old version that does not serve it: add(a: string): number */
const old = contractOf({ sigs: [{ params: [{ name: "a", type: "string" }], result: "number" }] });
/** Lets the reads started in the background finish. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));
const silent = { warn: () => undefined, info: () => undefined, debug: () => undefined, error: () => undefined } as unknown as Logger;

function providers(registry: RegistryView, list: Array<[process: string, fingerprint: string]>): void {
  registry.update({ processes: list.map(([p]) => p), callbacks: [["add", list.map(([p]) => p), list.map(([, f]) => f)]] });
}

describe("ContractCheck", () => {
  it("sanity: the old contract does not serve the fetcher's", () => {
    expect(contractMismatch(parseContract(expected.text)!, parseContract(old.text)!)).toBeDefined();
  });

  it("one provider answering a text that is not the announced one does not switch off the check of other providers of that fingerprint", async () => {
    const registry = new RegistryView();
    // "liar" announces the old fingerprint (as the old replica "old" does) and answers something else.
    const answers: Record<string, string> = { liar: "not a contract", old: old.text };
    const asked: string[] = [];
    const check = new ContractCheck(registry, async (process) => (asked.push(process), answers[process]), "strict", silent);
    providers(registry, [["good", expected.fingerprint], ["liar", old.fingerprint], ["old", old.fingerprint]]);
    // "good" is known to serve it: the call goes there at once; the others are read meanwhile.
    expect(await check.admit("add", expected, false)).toEqual({ accept: expected.fingerprint });
    await settle();
    // Later, the liar has left: only "good" and the old replica remain; the replica is read in its turn.
    providers(registry, [["good", expected.fingerprint], ["old", old.fingerprint]]);
    expect(await check.admit("add", expected, false)).toEqual({ accept: expected.fingerprint });
    await settle();
    // With only the old replica left, it is known not to fit: the call fails.
    providers(registry, [["old", old.fingerprint]]);
    expect(() => check.admit("add", expected, false)).toThrow(ContractMismatchError);
    expect(asked).toEqual(["liar", "old"]);
  });

  it("with no provider known to fit, the reading is waited for; a registry that keeps changing is given up on, still keeping calls away from a provider known not to fit", async () => {
    const registry = new RegistryView();
    const other = contractOf({ sigs: [{ params: [{ name: "n", type: "number" }], result: "number" }] });
    let reads = 0;
    const read = async (process: string): Promise<unknown> => {
      if (process === "old") return old.text;
      // "slow" cannot be read (busy, overloaded…); meanwhile other processes of the system come and go.
      reads++;
      providers(registry, [["old", old.fingerprint], ["slow", other.fingerprint]]);
      throw new Error("timed out");
    };
    const check = new ContractCheck(registry, read, "strict", silent);
    providers(registry, [["old", old.fingerprint], ["slow", other.fingerprint]]);
    const admission = await check.admit("add", expected, false);
    // "slow" could not be read: it is not checked (as documented), but "old" does not fit: only "slow"'s fingerprint is accepted.
    expect({ reads, admission }).toEqual({ reads: 1, admission: { accept: `${expected.fingerprint} ${other.fingerprint}` } });
  });

  it("a provider known to fit is used at once while another is read in the background", async () => {
    const registry = new RegistryView();
    const other = contractOf({ sigs: [{ params: [{ name: "renamed", type: "number" }], result: "number" }] });
    let release!: () => void;
    const check = new ContractCheck(registry, () => new Promise((resolve) => (release = () => resolve(other.text))), "strict", silent);
    providers(registry, [["good", expected.fingerprint], ["renamed", other.fingerprint]]);
    expect(check.admit("add", expected, false)).toEqual({ accept: expected.fingerprint }); // not a Promise: nothing waits
    release();
    await settle();
    expect(check.admit("add", expected, false)).toEqual({ accept: `${expected.fingerprint} ${other.fingerprint}` });
  });

  it("signatures: two callbacks of the same shape (one fingerprint) are each printed with their own name", async () => {
    const registry = new RegistryView();
    const check = new ContractCheck(registry, async () => expected.text, "strict", silent);
    registry.update({ processes: ["p"], callbacks: [["add", ["p"], [expected.fingerprint]], ["negate", ["p"], [expected.fingerprint]]] });
    expect(await check.signatures("add")).toEqual({ p: "add(a: number): number" });
    expect(await check.signatures("negate")).toEqual({ p: "negate(a: number): number" });
  });

  it("a hostile provider's malformed contract does not make the fetcher's calls fail (it is not checked)", async () => {
    const registry = new RegistryView();
    // What the fetcher expects: point(): { x: number }
    const own = contractOf({ sigs: [{ params: [], result: { props: [{ name: "x", type: "number" }] } }] });
    // A `cls` shape with a stray `props` (a string here): parseContract refuses shapes with keys of another kind.
    const text = JSON.stringify({ sigs: [{ params: [], result: { cls: "Date", props: "x" } }] });
    expect(parseContract(text)).toBeUndefined();
    const hostile = { text, fingerprint: fingerprintOf(text) };
    const check = new ContractCheck(registry, async () => hostile.text, "strict", silent);
    registry.update({ processes: ["good", "hostile"], callbacks: [["point", ["good", "hostile"], [own.fingerprint, hostile.fingerprint]]] });
    const shown = (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`;
    // carryOut's admitted() turns a throw of admit() into the call's rejection.
    const call = async () => check.admit("point", own, false);
    const admission = await call().catch(shown);
    // g.signatureOf() prints the contracts it read: it must not throw either.
    const signatures = await check.signatures("point").catch(shown);
    // Expected: the hostile provider is avoided (or not checked); the call goes to "good".
    // The hostile provider's contract is not readable: it is not checked (with a warning), and nothing fails.
    expect({ admission, signatures }).toEqual({ admission: { accept: own.fingerprint }, signatures: expect.any(Object) });
    await settle();
    expect(await call()).toEqual({ accept: `${own.fingerprint} ${hostile.fingerprint}` });
  });

  it("memory: what a hostile provider can make a caller keep is bounded by size (tens of MiB at most)", async () => {
    const registry = new RegistryView();
    // A contract just under MAX_CONTRACT_TEXT (64 KiB): many small properties, each a fresh object once parsed.
    const big = (i: number) => {
      const props = [];
      for (let k = 0, length = 0; length < 62_000; k++) {
        const prop = { name: `${i}_${k}`, type: { props: [] } };
        length += JSON.stringify(prop).length + 1;
        props.push(prop);
      }
      return contractOf({ sigs: [{ params: [{ name: "a", type: { props } }], result: "number" }] });
    };
    let current = big(0);
    const check = new ContractCheck(registry, async () => current.text, "warn", silent);
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    const rounds = 400;
    for (let i = 0; i < rounds; i++) {
      // The provider re-registers with a new contract; the caller's next call reads and keeps it.
      current = big(i);
      providers(registry, [["hostile", current.fingerprint]]);
      await check.admit("add", expected, false);
    }
    collectGarbage();
    const perContract = (process.memoryUsage().heapUsed - before) / rounds;
    const at4096 = (perContract * 4096) / 2 ** 20;
    console.log(`kept per contract read: ${(perContract / 1024).toFixed(0)} KiB; at the 4096-entry bound: ${at4096.toFixed(0)} MiB`);
    expect(at4096).toBeLessThan(64); // a bound worth the name: tens of MiB, not hundreds
  });
});
