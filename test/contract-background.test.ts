// A background read of a provider's contract has its own time, not that of a call that does not wait for it.
import { describe, expect, it } from "@jest/globals";
import { ContractCheck } from "../runtime/contract/ContractCheck";
import { fingerprintOf } from "../runtime/contract/fingerprint";
import type { ContractShape, MethodContract } from "../runtime/contract/Shape";
import { TimeoutError } from "../runtime/errors/DaffiError";
import type { Logger } from "../runtime/log/Logger";
import { RegistryView } from "../runtime/registry/RegistryView";

const contractOf = (shape: ContractShape): MethodContract => {
  const text = JSON.stringify(shape);
  return { text, fingerprint: fingerprintOf(text) };
};
const expected = contractOf({ sigs: [{ params: [{ name: "a", type: "number" }], result: "number" }] });
const old = contractOf({ sigs: [{ params: [{ name: "a", type: "string" }], result: "number" }] });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const warnings: string[] = [];
const log = { warn: (line: string) => warnings.push(line), info: () => undefined, debug: () => undefined, error: () => undefined } as unknown as Logger;

describe("background reads", () => {
  it("a call with a short timeout, going to a known-good provider, does not get the mismatched one marked unreadable", async () => {
    const registry = new RegistryView();
    // The read answers in 100 ms, as a real read would within its timeout (else TimeoutError).
    const read = (_process: string, _name: string, timeoutSeconds: number) =>
      new Promise<unknown>((resolve, reject) => (timeoutSeconds * 1000 < 100 ? setTimeout(() => reject(new TimeoutError("read timed out")), timeoutSeconds * 1000) : setTimeout(() => resolve(old.text), 100)));
    const check = new ContractCheck(registry, read, "strict", log);
    registry.update({ processes: ["good", "old"], callbacks: [["add", ["good", "old"], [expected.fingerprint, old.fingerprint]]] });
    // A call with timeout 50 ms: it goes to "good" at once (it does not wait for the read of "old").
    expect(check.admit("add", expected, false, Date.now() + 50)).toEqual({ accept: expected.fingerprint });
    await sleep(200);
    // A later call without a timeout: "old" should be known not to fit and stay refused.
    const route = check.admit("add", expected, false) as { accept: string };
    expect({ route, warnings }).toEqual({ route: { accept: expected.fingerprint }, warnings: [] });
  });
});
