// Verdicts of runtime/contract/compatible.ts on contracts the transformer writes for ordinary TypeScript.
import { describe, expect, it } from "@jest/globals";
import { ContractCheck } from "../runtime/contract/ContractCheck";
import { parseContract } from "../runtime/contract/Shape";
import type { Logger } from "../runtime/log/Logger";
import { RegistryView } from "../runtime/registry/RegistryView";
import { pairContracts, verdicts } from "./helpers/contracts";

describe("contract verdicts", () => {
  it("a rest parameter typed by a tuple keeps its positions: swapped element types do not serve the fetcher", () => {
    // TypeScript: (...args: [string, number]) => void is NOT assignable to (...args: [number, string]) => void.
    expect(verdicts([["(...args: [number, string]): void", "(...args: [string, number]): void"]])).toEqual([expect.stringMatching(/argument 1/)]);
  });

  it("no false mismatches on ordinary parameter types TypeScript accepts", () => {
    expect(
      verdicts(
        [
          // Optional property vs required-but-undefined (no exactOptionalPropertyTypes): assignable in TypeScript.
          ["(p: { a: number | undefined }): void", "(p: { a?: number }): void"],
          // A tuple rest parameter and the same plain parameters: the same function type.
          ["(...args: [number, string]): void", "(a: number, b: string): void"],
          // Buffer is a Uint8Array; Set a ReadonlySet; an array is ArrayLike.
          ["(b: Buffer): void", "(b: Uint8Array): void"],
          ["(s: Set<string>): void", "(s: ReadonlySet<string>): void"],
          ["(xs: number[]): void", "(xs: ArrayLike<number>): void"],
          // A discriminated union takes an object whose discriminant is the union of the literals.
          ["(s: { kind: 'a' | 'b'; n: number }): void", "(s: { kind: 'a'; n: number } | { kind: 'b'; n: number }): void"],
        ],
      ),
    ).toEqual(Array(6).fill("compatible"));
  });

  it("a signature of ~2100 properties is still parsed and checked", async () => {
    const props = Array.from({ length: 60 }, (_, i) => `p${i}: { ${Array.from({ length: 35 }, (_, k) => `f${k}: number`).join("; ")} }`).join("; ");
    // The callback takes a string where the fetcher sends a number: a plain mismatch, next to a big (shared) result type.
    const [{ expected, served }] = pairContracts([["(id: number): Report", "(id: string): Report"]], `export interface Report { ${props} }`);
    const warnings: string[] = [];
    const log = { warn: (line: string) => warnings.push(line), info: () => undefined, debug: () => undefined, error: () => undefined } as unknown as Logger;
    const registry = new RegistryView();
    registry.update({ processes: ["svc"], callbacks: [["m", ["svc"], [served.fingerprint]]] });
    const check = new ContractCheck(registry, async () => served.text, "strict", log);
    const admission = await Promise.resolve(check.admit("m", expected, false)).catch((error: Error) => error.name);
    expect({ length: expected.text.length, parsed: parseContract(expected.text) !== undefined, admission, warnings: warnings.length }).toEqual({
      length: expect.any(Number),
      parsed: true, // or, at least, a compile-time or run-time warning that this method is not checked
      admission: "ContractMismatchError",
      warnings: 0,
    });
  });
});
