// Bounds of contract checks in one process: what the controller accepts, the stale retry's wait, the cost of the rules.
import { describe, expect, it } from "@jest/globals";
import { admitted } from "../runtime/call/carryOut";
import { contractMismatch } from "../runtime/contract/compatible";
import { parseContract, type TypeShape } from "../runtime/contract/Shape";
import { ContractMismatchError } from "../runtime/errors/DaffiError";
import type { Node } from "../runtime/node/Node";
import { RegistryView } from "../runtime/registry/RegistryView";
import { decode, encode } from "../runtime/wire/codec";
import { Kind, Mode } from "../runtime/wire/Kind";
import { routerHarness } from "./helpers/routerHarness";
import { definedClasses, methodM, verdicts } from "./helpers/contracts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the controller and `accept`", () => {
  it("refuses a CALL whose accept is longer than 64 fingerprints (PROTOCOL), and picks only among providers announcing an accepted one", async () => {
    const { join, send, answer } = routerHarness();
    join("executor", ["work"], ["F".repeat(22)]);
    const call = (callId: number, accept: string) => send({ kind: Kind.CALL, callId, name: "work", mode: Mode.NO_RETURN, payload: encode([]), accept });
    call(1, "a ".repeat(2_000_000)); // ~2 million one-letter "fingerprints"
    call(2, `x FFFF ${"F".repeat(21)}`); // none is the executor's (a word of the list, not a part of one)
    call(3, `x ${"F".repeat(22)}`);
    const [first, second, third] = [await answer(1), await answer(2), await answer(3)];
    expect(first).toMatchObject({ kind: Kind.ERROR });
    expect(decode<{ code: string }>(first!.payload!).code).toBe("PROTOCOL");
    expect(decode<{ code: string; data: unknown }>(second!.payload!)).toMatchObject({ code: "CONTRACT_MISMATCH", data: { stale: true } });
    expect(second!.source).toBe(""); // the controller's own word: no executor's answer is without a source
    expect(third).toMatchObject({ kind: Kind.ACCEPTED });
  });
});

describe("the stale retry", () => {
  it("when the registry changed while contracts were read, a stale refusal waits for the view after the one the call was sent with", async () => {
    const registry = new RegistryView();
    registry.update({ processes: ["p1"], callbacks: [["add", ["p1"], ["OLD"]]] });
    // What the controller knows: a newer view (p1 left, p2 joined) that reaches this node 300 ms after the first refusal.
    let controllerVersion = 0;
    let calls = 0;
    const node = {
      registry,
      call: (_name: string, _args: unknown[], options: { accept?: string }) => {
        calls++;
        if (registry.version < controllerVersion) return Promise.reject(new ContractMismatchError("the providers changed since", { stale: true }));
        return Promise.resolve(`served (accept ${options.accept})`);
      },
    } as unknown as Node;
    // The admission reads contracts; meanwhile the registry changes once (another provider came and went).
    let admissions = 0;
    const admit = () =>
      ++admissions > 1
        ? { accept: "OLD" }
        : new Promise<{ accept: string }>((resolve) =>
        setTimeout(() => {
          registry.update({ processes: ["p1", "x"], callbacks: [["add", ["p1"], ["OLD"]]] });
          controllerVersion = registry.version + 1; // the controller has moved on once more
          setTimeout(() => registry.update({ processes: ["p2"], callbacks: [["add", ["p2"], ["OLD"]]] }), 300);
          resolve({ accept: "OLD" });
        }, 50),
      );
    const outcome = await admitted(node, "add", [1, 2], { mode: Mode.FG }, admit).catch((error: Error) => error);
    // Expected: the refusal waits (up to 2 s) until this node learns the new providers, then the call is served.
    expect({ calls, outcome: outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : outcome }).toEqual({ calls: 2, outcome: "served (accept OLD)" });
  });
});

describe("the compatibility rules on a chain of optional properties", () => {
  it("linear-size contracts (2 KB each): a mismatch 22 levels down is found in well under a second", () => {
    // Fetcher: { child: { child: ... { k: "a" | "b"; v: number } ...; k: "a" | "b" }; k: "a" | "b" }; provider: { child?: { child?: ... { v: string } } }.
    const k: TypeShape = { union: [{ lit: "a" }, { lit: "b" }] };
    const source = (d: number): TypeShape => (d === 0 ? { props: [{ name: "k", type: k }, { name: "v", type: "number" }] } : { props: [{ name: "child", type: source(d - 1) }, { name: "k", type: k }] });
    const target = (d: number): TypeShape => (d === 0 ? { props: [{ name: "v", type: "string" }] } : { props: [{ name: "child", type: target(d - 1), opt: true }] });
    const contract = (type: TypeShape) => parseContract(JSON.stringify({ sigs: [{ params: [{ name: "p", type }], result: "void" }] }))!;
    const started = Date.now();
    const reason = contractMismatch(contract(source(22)), contract(target(22)));
    const ms = Date.now() - started;
    console.log(`optional chain: depth 22 ${ms} ms`);
    expect(reason).toMatch(/argument 1/);
    expect(ms).toBeLessThan(1000);
  }, 120_000);
});

void sleep;


describe("discriminated unions TypeScript accepts", () => {
  it("are not refused (tsc --strict accepts each of these assignments)", () => {
    expect(
      verdicts([
        // The discriminant is not the first property that is a union of literals.
        ["(p: { a: 1 | 2; kind: 'x' | 'y' }): void", "(p: { a: 1 | 2; kind: 'x' } | { a: 1 | 2; kind: 'y' }): void"],
        // A boolean discriminant (boolean is true | false).
        ["(p: { ok: boolean; v: number }): void", "(p: { ok: true; v: number } | { ok: false; v: number }): void"],
        // Two discriminants: TypeScript tries their combinations.
        ["(p: { kind: 'a' | 'b'; n: 1 | 2 }): void", "(p: { kind: 'a'; n: 1 } | { kind: 'a'; n: 2 } | { kind: 'b'; n: 1 } | { kind: 'b'; n: 2 }): void"],
      ]),
    ).toEqual(["compatible", "compatible", "compatible"]);
  });
});

describe("leading rest elements (`...args: [...string[], number]`)", () => {
  it("are read as positions in the right order (tsc: the first pair is assignable, the second is not)", () => {
    const results = verdicts([
      ["(a: string, b: number): void", "(...args: [...string[], number]): void"],
      ["(...args: [...string[], number]): void", "(a: number, ...rest: string[]): void"],
    ]);
    expect(results).toEqual(["compatible", expect.stringMatching(/argument/)]);
  });
});

describe("nested discriminated unions in contracts the transformer writes", () => {
  it("Fetcher<Api> and a Callback of nested discriminated unions (valid TypeScript, tsc accepts the pair) are judged in well under a second", () => {
    const low = Array.from({ length: 12 }, (_, i) => i).join(" | ");
    const high = Array.from({ length: 12 }, (_, i) => i + 12).join(" | ");
    const levels = [1, 2, 3, 4, 5].map((d) => `type L${d} = { child: L${d - 1}; k: Low } | { child: L${d - 1}; k: High };`).join("\n");
    const served = [1, 2, 3, 4, 5].map((d) => `type S${d} = { child: S${d - 1}; k: Low | High };`).join("\n");
    const source = [
      `import { Callback, Fetcher } from "daffi";`,
      `type Low = ${low}; type High = ${high}; type L0 = number; type S0 = number;`,
      levels,
      served,
      `const check: L5 = null as unknown as S5; void check; // tsc: assignable`,
      `export interface Api { m(): L5; }`,
      `export class Client extends Fetcher<Api> {}`,
      `export class Service extends Callback { m(): S5 { return undefined as never; } }`,
    ].join("\n");
    const defined = definedClasses(source);
    const text = (cls: string) => methodM(defined, cls).contract!.text;
    const started = Date.now();
    const reason = contractMismatch(parseContract(text("Client"))!, parseContract(text("Service"))!);
    const ms = Date.now() - started;
    console.log(`transformer contracts: ${text("Client").length} and ${text("Service").length} characters, judged in ${ms} ms (${reason ?? "compatible"})`);
    expect(ms).toBeLessThan(1000);
  }, 300_000);
});
