// Verdicts the rules (runtime/contract/compatible.ts) must not get wrong: many discriminant cases, a large contract, deep nesting.
import { describe, expect, it } from "@jest/globals";
import { contractMismatch } from "../runtime/contract/compatible";
import { type ContractShape, parseContract, type TypeShape } from "../runtime/contract/Shape";

const parsed = (shape: ContractShape) => parseContract(JSON.stringify(shape))!;
const oneArg = (type: TypeShape, result: TypeShape = "number"): ContractShape => ({ sigs: [{ params: [{ name: "o", type }], result }] });

describe("past 25 discriminant cases, unsure only for a union of objects that have the discriminants", () => {
  const flags: TypeShape = { props: ["a", "b", "c", "d", "e"].map((name) => ({ name, type: "boolean" as TypeShape, opt: true as const })) };
  it("an options object of 5 optional booleans sent to a callback taking `number | undefined` (its optional number)", () => {
    // fetcher: f(o: { a?: boolean; b?: boolean; c?: boolean; d?: boolean; e?: boolean }): number
    // callback: f(o?: number): number   — plainly not assignable
    const expected = parsed(oneArg(flags));
    const served = parsed({ sigs: [{ params: [{ name: "o", type: "number", opt: true }], result: "number" }] });
    expect(contractMismatch(expected, served)).toBeDefined();
  });
  it("the same object with 4 booleans is reported too (16 cases)", () => {
    const four: TypeShape = { props: ["a", "b", "c", "d"].map((name) => ({ name, type: "boolean" as TypeShape, opt: true as const })) };
    const served = parsed({ sigs: [{ params: [{ name: "o", type: "number", opt: true }], result: "number" }] });
    expect(contractMismatch(parsed(oneArg(four)), served)).toBeDefined();
  });
  it("a 26-literal property sent to `string | null`", () => {
    const colors: TypeShape = { props: [{ name: "color", type: { union: "abcdefghijklmnopqrstuvwxyz".split("").map((c) => ({ lit: c })) } }] };
    const served = parsed(oneArg({ union: ["null", "string"] }));
    expect(contractMismatch(parsed(oneArg(colors)), served)).toBeDefined();
  });
});

describe("a large argument does not use up the budget of the result", () => {
  // A discriminated union of 50 event types with 20 fields each, the discriminant last (as sorted names put it).
  const event = (): TypeShape => ({
    union: Array.from({ length: 50 }, (_, i) => ({
      props: [...Array.from({ length: 20 }, (_, j) => ({ name: `f${String(j).padStart(2, "0")}`, type: "string" as TypeShape })), { name: "type", type: { lit: `e${i}` } }],
    })),
  });
  it("publish(a: Event, b: Event): number  vs  publish(a: Event, b: Event): string", () => {
    const sig = (result: TypeShape): ContractShape => ({ sigs: [{ params: [{ name: "a", type: event() }, { name: "b", type: event() }], result }] });
    const expected = parsed(sig("number"));
    const served = parsed(sig("string"));
    // control: with one argument only, the mismatch is found
    const one = (result: TypeShape): ContractShape => ({ sigs: [{ params: [{ name: "a", type: event() }], result }] });
    expect(contractMismatch(parsed(one("number")), parsed(one("string")))).toBe("the callback's result does not fit the fetcher's result type");
    expect(contractMismatch(expected, served)).toBe("the callback's result does not fit the fetcher's result type");
  });
});

describe("nested unions as deep as a contract may be are judged", () => {
  it("a result typed as string wrapped in 49 one-member unions is not taken for number", () => {
    let type: TypeShape = "string";
    for (let i = 0; i < 49; i++) type = { union: [type] };
    const served = parseContract(JSON.stringify(oneArg("number", type)));
    expect(served).toBeDefined(); // the parser takes it (its depth bound is 64)
    expect(contractMismatch(parsed(oneArg("number", "number")), served!)).toBeDefined();
  });
});
