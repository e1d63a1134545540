// The transformer on small sources: what it records for each class and function form, and the validators it writes.
import { describe, expect, it } from "@jest/globals";
import type { ClassMetadata, MethodMetadata, ValidationOutcome } from "../runtime";
import { contractMismatch } from "../runtime/contract/compatible";
import { parseContract, printContract } from "../runtime/contract/Shape";
import { compile, load } from "./helpers/compile";

const DEFINE = Symbol.for("daffi.define");
const METADATA = Symbol.for("daffi.metadata");

/** A stand-in for the runtime that records what the emitted code hands over. */
function recorder() {
  const defined = new Map<string, ClassMetadata>();
  const base = () =>
    class {
      static [DEFINE](this: Function, metadata: ClassMetadata) {
        defined.set(this.name, metadata);
      }
    };
  const passThrough = (...values: unknown[]) => values;
  const daffi = {
    Callback: base(),
    Fetcher: base(),
    callback: passThrough,
    fetcher: passThrough,
    args: passThrough,
    local: (method: unknown) => method,
    alias: () => (method: unknown) => method,
    BG: { kind: "BG" },
  };
  return { daffi, defined };
}

function run(source: string, extraFiles: Record<string, string> = {}, config = {}, typia?: "before" | "after") {
  const { js, diagnostics } = compile({ "case.ts": source, ...extraFiles }, config, typia);
  expect(diagnostics).toEqual([]);
  const { daffi, defined } = recorder();
  const exports = load(js, { daffi, "./reexport": load(compile({ "reexport.ts": extraFiles["reexport.ts"] ?? "export {};" }).js, { daffi }) });
  const method = (cls: string, name: string): MethodMetadata => {
    const found = defined.get(cls)?.methods.find((m) => m.name === name);
    if (!found) throw new Error(`no metadata for ${cls}.${name}; have ${JSON.stringify([...defined.keys()])}`);
    return found;
  };
  return { js, exports, defined, method };
}

const names = (metadata: ClassMetadata | undefined) => metadata?.methods.map((m) => `${m.name}->${m.remoteName}`).sort();
const ok = (outcome: ValidationOutcome | undefined) => outcome?.success;

describe("Callback classes", () => {
  it("records public methods only, with @alias names, parameter names and rest", () => {
    const { defined, method } = run(`
      import { Callback, alias, local } from "daffi";
      export class Calc extends Callback {
        static autoInit = true;
        field = 1;
        sum(a: number, ...more: number[]): number { return a + more.length; }
        async fib(n: number): Promise<number> { return n; }
        @alias("product") multiply(a: number, b: number) { return a * b; }
        @local helper() {}
        _under() {}
        private hidden() {}
        protected inner() {}
        #secret() {}
        get g() { return this.#secret.length + this.hidden.length + this.inner.length; }
        static s() {}
        constructor() { super(); }
      }`);
    expect(names(defined.get("Calc"))).toEqual(["fib->fib", "multiply->product", "sum->sum"]);
    expect(method("Calc", "sum")).toMatchObject({ params: ["a", "more"], rest: true, stream: false });
    expect(method("Calc", "multiply").rest).toBe(false);
  });

  it("finds daffi's Callback through aliased imports, namespace imports, re-exports and subclasses", () => {
    const { defined } = run(
      `
      import { Callback as Base } from "daffi";
      import * as d from "daffi";
      import { Reexported } from "./reexport";
      export class A extends Base { a() {} }
      export class B extends d.Callback { b() {} }
      export class C extends A { c() {} }
      export class D extends Reexported { d() {} }
      class Callback { e() {} }
      export class E extends Callback { e2() {} }`,
      { "reexport.ts": `export { Callback as Reexported } from "daffi";` },
    );
    expect([...defined.keys()].sort()).toEqual(["A", "B", "C", "D"]);
    expect(names(defined.get("C"))).toEqual(["c->c"]);
  });

  it("writes validators for each parameter: nested interfaces, unions, optional, Date, Map, Uint8Array, bigint", () => {
    const { method } = run(`
      import { Callback } from "daffi";
      interface Item { name: string; price: number; tags?: string[]; owner: { id: bigint } }
      export class Svc extends Callback {
        put(item: Item, when: Date, stock: Map<string, number>, data: Uint8Array, mode: "a" | "b" | 3, note?: string) {}
        /** @unchecked: T is whatever the caller sends */
        pick<T>(value: T, n: number) {}
      }`);
    const [item, when, stock, data, mode, note] = method("Svc", "put").args!;
    expect(ok(item!({ name: "x", price: 1, owner: { id: 1n } }))).toBe(true);
    expect(item!({ name: "x", price: 1, owner: { id: 1 } }).errors?.[0]).toMatchObject({ path: "$input.owner.id", expected: "bigint" });
    expect(item!({ name: "x", price: 1, tags: [1], owner: { id: 1n } }).errors?.[0]).toMatchObject({ path: "$input.tags[0]", expected: "string" });
    expect([ok(when!(new Date())), ok(when!("2020"))]).toEqual([true, false]);
    expect([ok(stock!(new Map([["a", 1]]))), ok(stock!({}))]).toEqual([true, false]);
    expect([ok(data!(new Uint8Array())), ok(data!([1]))]).toEqual([true, false]);
    expect([ok(mode!("a")), ok(mode!(3)), ok(mode!("c"))]).toEqual([true, true, false]);
    expect([ok(note!(undefined)), ok(note!("n")), ok(note!(1))]).toEqual([true, true, false]);
    const [generic, count] = method("Svc", "pick").args!;
    expect(generic).toBeNull(); // a type parameter cannot be checked at run time
    expect(ok(count!(1))).toBe(true);
  });

  it("accepts extra properties by default, refuses them with { exact: true }", () => {
    const source = `
      import { Callback } from "daffi";
      interface Point { x: number; y: number }
      export class Geo extends Callback { move(p: Point) {} }`;
    const loose = run(source).method("Geo", "move").args![0]!;
    const exact = run(source, {}, { exact: true }).method("Geo", "move").args![0]!;
    expect(ok(loose({ x: 1, y: 2, z: 3 }))).toBe(true);
    expect(exact({ x: 1, y: 2, z: 3 }).errors?.[0]).toMatchObject({ path: "$input.z" });
  });
});

describe("together with typia's own transformer", () => {
  it.each(["before", "after"] as const)("typia's transform %s daffi's: both do their work", (order) => {
    const { exports, method } = run(
      `
      import typia from "typia";
      import { Callback } from "daffi";
      export class Svc extends Callback { put(n: number) {} }
      export const isNumber = (x: unknown) => typia.is<number>(x);`,
      {},
      {},
      order,
    );
    expect([ok(method("Svc", "put").args![0]!(1)), ok(method("Svc", "put").args![0]!("1"))]).toEqual([true, false]);
    const isNumber = exports.isNumber as (x: unknown) => boolean;
    expect([isNumber(1), isNumber("1")]).toEqual([true, false]);
  });
});

describe("Fetcher classes", () => {
  it("records every method of Fetcher<Api>, declared proxies and methods with a body, with result validators", () => {
    const { defined, method } = run(`
      import { Fetcher, alias, args, local } from "daffi";
      interface Api { sum(...n: number[]): number; fib(n: number): Promise<number>; range(end: number): AsyncIterable<number>; name: string }
      export class Client extends Fetcher<Api> {
        declare extra: (a: string) => Promise<boolean>;
        @alias("sum") doubled(a: number, b: number): Promise<number> { return args(a * 2, b * 2); }
        next(n: number): Promise<number> { return args(n + 1); }
        @local helper() {}
        _private() {}
      }`);
    expect(names(defined.get("Client"))).toEqual(["doubled->sum", "extra->extra", "fib->fib", "next->next", "range->range", "sum->sum"]);
    expect(method("Client", "sum")).toMatchObject({ bodyless: true, rest: true, stream: false });
    expect(method("Client", "doubled")).toMatchObject({ bodyless: false, params: ["a", "b"] });
    expect(method("Client", "range")).toMatchObject({ stream: true });
    expect(method("Client", "range").result).toBeUndefined();
    expect([ok(method("Client", "fib").result!(1)), ok(method("Client", "fib").result!("1"))]).toEqual([true, false]);
    expect([ok(method("Client", "next").args![0]!(1)), ok(method("Client", "next").args![0]!("1"))]).toEqual([true, false]);
    expect([ok(method("Client", "extra").result!(true)), ok(method("Client", "extra").args![0]!(5))]).toEqual([true, false]);
  });
});

describe("callback() and fetcher()", () => {
  it("append the metadata of the function's signature", () => {
    const { exports } = run(`
      import { callback, fetcher, BG } from "daffi";
      export const a = callback(function add(x: number, y: number) { return x + y; });
      export const b = callback("named", (s: string) => s);
      export const c = fetcher<(n: number) => string>("remote");
      export const d = fetcher<(n: number) => string>("remote", BG);`);
    const meta = (value: unknown) => (value as unknown[])[(value as unknown[]).length - 1] as { [METADATA]: true; method: MethodMetadata };
    expect(meta(exports.a)[METADATA]).toBe(true);
    expect(meta(exports.a).method.params).toEqual(["x", "y"]);
    expect(ok(meta(exports.a).method.args![1]!("1"))).toBe(false);
    expect((exports.b as unknown[])[0]).toBe("named");
    expect(ok(meta(exports.b).method.args![0]!("s"))).toBe(true);
    expect((exports.c as unknown[])[1]).toBeUndefined(); // the modifier slot is kept
    expect([ok(meta(exports.c).method.result!("r")), ok(meta(exports.c).method.result!(1))]).toEqual([true, false]);
    expect((exports.d as unknown[])[1]).toEqual({ kind: "BG" });
  });
});

describe("type checking at the call site", () => {
  it("a string where a fetcher declares a number is a compile error", () => {
    const { diagnostics } = compile({
      "case.ts": `
        import { Fetcher } from "daffi";
        interface Api { sum(a: number, b: number): number }
        class Client extends Fetcher<Api> {}
        void new Client().sum(1, "2");`,
    });
    expect(diagnostics).toEqual([expect.stringMatching(/^TS2345: Argument of type 'string' is not assignable to parameter of type 'number'/)]);
  });

  it("a modifier other than FG on a stream read with for await is a compile error", () => {
    const { diagnostics } = compile({
      "case.ts": `
        import { BG, FG, Fetcher } from "daffi";
        interface Api { range(end: number): AsyncIterable<number> }
        class Client extends Fetcher<Api> {}
        void new Client().range.with(FG)(3);
        void new Client().range.with(BG({ eta: 2 }))(3);`,
    });
    expect(diagnostics).toEqual([expect.stringMatching(/^TS2345: Argument of type 'Modifier<"BG", BGOptions>' is not assignable to parameter of type 'Modifier<"FG"/)]);
  });
});

describe("stream detection through the type checker", () => {
  it("a result is a stream however it is spelled; iterable values (arrays, strings, Map, Set, bytes) are not", () => {
    const { method } = run(`
      import { Callback, Fetcher } from "daffi";
      type Numbers = AsyncIterable<number>;
      interface Ticks extends AsyncIterable<number> { label: string }
      type Plain = number[];
      export interface Api {
        aliased(): Numbers;
        extended(): Ticks;
        iterableIterator(): AsyncIterableIterator<string>;
        syncIterable(): Iterable<number>;
        generator(): Generator<number>;
        array(): Plain;
        text(): string;
        map(): Map<string, number>;
        set(): Set<number>;
        bytes(): Uint8Array;
        promised(): Promise<number[]>;
      }
      export class Client extends Fetcher<Api> {}
      export class Service extends Callback {
        async *gen(): AsyncGenerator<number> { yield 1; }
        *syncGen(): Generator<number> { yield 1; }
        aliased(): Numbers { return (async function* () { yield 1; })(); }
        list(): Plain { return []; }
      }
    `);
    const streams = ["aliased", "extended", "iterableIterator", "syncIterable", "generator"];
    for (const name of streams) expect([name, method("Client", name).stream]).toEqual([name, true]);
    for (const name of ["array", "text", "map", "set", "bytes", "promised"]) expect([name, method("Client", name).stream]).toEqual([name, false]);
    for (const name of ["gen", "syncGen", "aliased"]) expect([name, method("Service", name).stream]).toEqual([name, true]);
    expect(method("Service", "list").stream).toBe(false);
    // Item validators of a fetcher's streams, whatever the spelling: numbers here, strings for iterableIterator.
    for (const name of ["aliased", "extended", "syncIterable", "generator"]) {
      expect([name, ok(method("Client", name).item?.(1)), ok(method("Client", name).item?.("x"))]).toEqual([name, true, false]);
    }
    expect([ok(method("Client", "iterableIterator").item?.("x")), ok(method("Client", "iterableIterator").item?.(1))]).toEqual([true, false]);
  });
});

describe("overloads", () => {
  it("every overload is recorded on Callback classes, Fetcher<Api>, declared proxies and function forms", () => {
    const { method, exports } = run(`
      import { Callback, Fetcher, callback, fetcher } from "daffi";
      export interface Api { echo(n: number): number; echo(s: string): string; plain(n: number): number }
      export class Client extends Fetcher<Api> {
        declare proxy: { (n: number): number; (s: string, t: string): string };
      }
      export class Service extends Callback {
        echo(n: number): number;
        echo(s: string): string;
        echo(value: number | string): number | string { return value; }
      }
      function both(n: number): number;
      function both(s: string): string;
      function both(value: number | string) { return value; }
      export const f = callback(both);
      export const g = fetcher<typeof both>("both");
    `);
    const fits = (m: MethodMetadata, args: unknown[]) =>
      m.overloads!.map((o) => o.args!.length === args.length && o.args!.every((check, i) => ok(check!(args[i])))).some(Boolean);
    for (const m of [method("Client", "echo"), method("Service", "echo")]) {
      expect(m.overloads).toHaveLength(2);
      expect([fits(m, [1]), fits(m, ["s"]), fits(m, [true])]).toEqual([true, true, false]);
    }
    expect(method("Client", "echo").overloads!.map((o) => ok(o.result!("r")))).toEqual([false, true]);
    expect(method("Client", "plain").overloads).toBeUndefined();
    expect(fits(method("Client", "proxy"), ["a", "b"])).toBe(true);
    const meta = (value: unknown) => ((value as unknown[])[(value as unknown[]).length - 1] as { method: MethodMetadata }).method;
    expect([fits(meta(exports.f), [1]), fits(meta(exports.f), ["s"]), fits(meta(exports.f), [null])]).toEqual([true, true, false]);
    expect(meta(exports.g).overloads).toHaveLength(2);
  });
});

describe("inheritance", () => {
  it("each level of a Callback chain and the interfaces an interface extends are recorded; exact: true holds on inherited methods", () => {
    const source = `
      import { Callback, Fetcher } from "daffi";
      interface Point { x: number; y: number }
      interface Base { move(p: Point): void }
      interface Api extends Base { scale(p: Point, by: number): Point }
      export class Client extends Fetcher<Api> {}
      export class More extends Client { declare extra: (p: Point) => Promise<void> }
      export class A extends Callback { a(p: Point) {} }
      export class B extends A { b(p: Point) {} }
      export class C extends B { c(p: Point) {} }`;
    const exact = run(source, {}, { exact: true });
    expect(names(exact.defined.get("Client"))).toEqual(["move->move", "scale->scale"]);
    expect(names(exact.defined.get("More"))).toEqual(["extra->extra"]);
    expect([names(exact.defined.get("A")), names(exact.defined.get("B")), names(exact.defined.get("C"))]).toEqual([["a->a"], ["b->b"], ["c->c"]]);
    for (const [cls, name] of [["Client", "move"], ["More", "extra"], ["A", "a"], ["C", "c"]] as const) {
      const check = exact.method(cls, name).args![0]!;
      expect([cls, ok(check({ x: 1, y: 2 })), check({ x: 1, y: 2, z: 3 }).errors?.[0]?.path]).toEqual([cls, true, "$input.z"]);
    }
    const loose = run(source).method("Client", "move").args![0]!;
    expect(ok(loose({ x: 1, y: 2, z: 3 }))).toBe(true);
  });
});

describe("contracts", () => {
  /** The reason the callback's contract does not serve the fetcher's, or undefined, for each pair `[expected, served]`. */
  function mismatches(pairs: Array<[string, string]>): Array<string | undefined> {
    const source = [
      `import { Callback, Fetcher } from "daffi";`,
      `interface Point { x: number; y?: number }`,
      ...pairs.flatMap(([expected, served], i) => [
        `export interface Api${i} { m${expected}; }`,
        `export class Client${i} extends Fetcher<Api${i}> {}`,
        served.startsWith("*") || served.startsWith("async *")
          ? `export class Service${i} extends Callback { ${served.replace("*", "*m")} { } }`
          : `export class Service${i} extends Callback { m${served} { return undefined as never; } }`,
      ]),
    ].join("\n");
    const { method } = run(source, {}, { unchecked: "allow" }); // one pair is generic on purpose
    return pairs.map((_, i) => {
      const expected = parseContract(method(`Client${i}`, "m").contract!.text)!;
      const served = parseContract(method(`Service${i}`, "m").contract!.text)!;
      return contractMismatch(expected, served);
    });
  }

  it("compatible changes pass: an added optional parameter, a renamed one, a wider parameter, a narrower result, Promise or not", () => {
    expect(
      mismatches([
        ["(a: number): number", "(a: number): number"],
        ["(a: number): number", "(renamed: number): number"],
        ["(a: number): number", "(a: number, b?: string): number"],
        ["(a: number): number", "(a: number, b = 2): number"],
        ["(a: number): number", "(a: number | string): number"],
        ["(mode: 'a' | 'b'): void", "(mode: string): void"],
        ["(): number | string", "(): number"],
        ["(): Promise<number>", "(): number"],
        ["(): { x: number }", "(): { x: number; extra: string }"],
        ["(p: { x: number }): void", "(p: Point): void"],
        ["(a: number, b: number): number", "(...n: number[]): number"],
        ["(...n: number[]): number", "(...numbers: number[]): number"],
        ["(d: Date, m: Map<string, number>, b: Uint8Array, n: bigint): void", "(d: Date, m: Map<string, number>, b: Uint8Array, n: bigint | number): void"],
        ["(a?: number): void", "(a?: number): void"],
        ["(flag: boolean): void", "(flag: true | false): void"],
        ["(): AsyncIterable<number>", "async *(): AsyncGenerator<number>"],
        ["(): Iterable<number>", "*(): Generator<1 | 2>"],
        ["(x: string): string", "<T>(x: T): T"],
      ]),
    ).toEqual(Array(18).fill(undefined));
  });

  it("incompatible changes are told, with the reason", () => {
    const reasons = mismatches([
      ["(...numbers: number[]): number", "(a: number, b: number): number"],
      ["(a: number): number", "(a: string): number"],
      ["(a: number | string): void", "(a: number): void"],
      ["(): number", "(): number | string"],
      ["(a: number): void", "(a: number, b: string): void"],
      ["(a: number, b: number): void", "(a: number): void"],
      ["(a?: number): void", "(a: number): void"],
      ["(p: { x: number }): void", "(p: { x: number; y: number }): void"],
      ["(): AsyncIterable<number>", "async *(): AsyncGenerator<number | string>"],
      ["(): AsyncIterable<number>", "(): number[]"],
      ["(d: Date): void", "(d: string): void"],
      ["(mode: string): void", "(mode: 'a' | 'b'): void"],
    ]);
    expect(reasons).toEqual([
      "the callback needs 2 argument(s), the fetcher may send 0",
      "argument 1: the fetcher sends number, the callback takes string",
      "argument 1: the fetcher sends number | string, the callback takes number",
      "the callback's result does not fit the fetcher's result type",
      "the callback needs 2 argument(s), the fetcher may send 1",
      "the callback takes at most 1 argument(s), the fetcher may send 2",
      "the callback needs 1 argument(s), the fetcher may send 0",
      "argument 1: the fetcher sends { x: number }, the callback takes { x: number; y: number }",
      "the callback's items do not fit the fetcher's item type",
      "the fetcher reads a stream, the callback returns a value",
      "argument 1: the fetcher sends Date, the callback takes string",
      'argument 1: the fetcher sends string, the callback takes "a" | "b"',
    ]);
  });

  it("the same signature has the same fingerprint on both sides, printed in TypeScript syntax", () => {
    const { method } = run(`
      import { Callback, Fetcher } from "daffi";
      export interface Api { calculateSum(...numbers: number[]): number; find(id: number, opts?: { exact: boolean }): Promise<string[] | null> }
      export class Client extends Fetcher<Api> {}
      export class Service extends Callback {
        calculateSum(...numbers: number[]): number { return 0; }
        async find(id: number, opts?: { exact: boolean }): Promise<string[] | null> { return null; }
      }`);
    for (const name of ["calculateSum", "find"]) expect(method("Client", name).contract).toEqual(method("Service", name).contract);
    expect(printContract("calculateSum", parseContract(method("Client", "calculateSum").contract!.text)!)).toBe("calculateSum(...numbers: number[]): number");
    expect(printContract("find", parseContract(method("Client", "find").contract!.text)!)).toBe("find(id: number, opts?: { exact: boolean }): null | string[]");
  });
});

describe("what cannot be checked is said at compile time", () => {
  const source = `
    import { Callback, Fetcher, callback } from "daffi";
    export interface Store<T> { put(key: string, value: T): void; get(key: string): T }
    export class StoreClient extends Fetcher<Store<number>> {}
    export class AnyStore<T> extends Callback {
      put(key: string, value: T): void {}
      get(key: string): T { return undefined as never; }
    }
    export class NumberStore extends AnyStore<number> {}
    export class Loose extends Callback { put<T>(key: string, value: T): void {} }
    export const f = callback(function identity<T>(x: T): T { return x; });
    export class Known extends Callback {
      /** @unchecked: any value is fine here */
      keep<T>(value: T): void {}
      self(): this { return this; }
    }`;

  it("a parameter or result typed by a method's type parameter is a warning with file(line,col), once per place; @unchecked accepts it", () => {
    const { diagnostics } = compile({ "case.ts": source });
    const where = (text: string) => diagnostics.filter((d) => d.includes(text)).map((d) => d.split(":")[0]);
    // file(line,col) of the n-th occurrence of `text` on the line that holds `marker`.
    const at = (marker: string, text: string, nth = 0) => {
      const lines = source.split("\n");
      const line = lines.findIndex((candidate) => candidate.includes(marker));
      let column = -1;
      for (let i = 0; i <= nth; i++) column = lines[line]!.indexOf(text, column + 1);
      return `case.ts(${line + 1},${column + 1})`;
    };
    expect(where("parameter 'value' of 'Loose.put'")).toEqual([at("class Loose", "value")]);
    expect(where("parameter 'x' of 'identity'")).toEqual([at("identity<T>", "x: T")]);
    expect(where("the result of 'identity'")).toEqual([at("identity<T>", "T", 2)]);
    // Store<number> is concrete; a class's own type parameter is given by its subclasses; Known.keep is acknowledged.
    expect(diagnostics).toHaveLength(3);
    expect(diagnostics[0]).toMatch(/^case\.ts\(\d+,\d+\): TS990001: daffi: .* is typed by a type parameter, which cannot be checked at run time: it would not be validated \(give it a concrete type, or mark the method \/\*\* @unchecked \*\/ to accept that\)$/);
  });

  it("a subclass of a generic Callback class checks the inherited methods with the types it gives them", () => {
    const { method } = run(source, {}, { unchecked: "allow" });
    expect(method("AnyStore", "put").args![1]).toBeNull();
    const put = method("NumberStore", "put");
    expect([ok(put.args![1]!(5)), ok(put.args![1]!("5"))]).toEqual([true, false]);
    expect(printContract("get", parseContract(method("NumberStore", "get").contract!.text)!)).toBe("get(key: string): number");
  });

  it('{ "unchecked": "allow" } accepts them all', () => {
    expect(compile({ "case.ts": source }, { unchecked: "allow" }).diagnostics).toEqual([]);
  });
});

describe("decorators of both flavours", () => {
  it("@alias and @local work with experimentalDecorators as with standard decorators: the same callbacks, the same metadata", () => {
    const runtime = require("../runtime") as typeof import("../runtime");
    const { localCallbacks } = require("../runtime/registry/CallbackRegistry") as typeof import("../runtime/registry/CallbackRegistry");
    const exposed = (flavour: string, experimentalDecorators: boolean) => {
      const { js, diagnostics } = compile(
        {
          "case.ts": `
            import { Callback, alias, local } from "daffi";
            export class Service_${flavour} extends Callback {
              @alias("renamed_${flavour}") original(n: number): number { return n * 2; }
              @local helper(): number { return 1; }
              plain_${flavour}(s: string): string { return s; }
            }`,
        },
        {},
        undefined,
        { experimentalDecorators },
      );
      expect(diagnostics).toEqual([]);
      const { [`Service_${flavour}`]: Service } = load(js, { daffi: runtime }) as Record<string, new () => object>;
      new Service!();
      const names = [`renamed_${flavour}`, `plain_${flavour}`, "original", "helper"];
      return names.map((name) => {
        const entry = localCallbacks.get(name);
        return entry ? { name: name.replace(`_${flavour}`, ""), params: entry.metadata?.params, checks: entry.metadata?.args?.map((check) => check!(7).success) } : undefined;
      });
    };
    const standard = exposed("standard", false);
    expect(standard).toEqual([{ name: "renamed", params: ["n"], checks: [true] }, { name: "plain", params: ["s"], checks: [false] }, undefined, undefined]);
    expect(exposed("experimental", true)).toEqual(standard);
  });
});

describe("strict user settings", () => {
  it("options accept undefined under exactOptionalPropertyTypes (values from the environment, maybe-undefined options)", () => {
    const { diagnostics } = compile(
      {
        "case.ts": `
          import { BG, BROADCAST, FG, Global, PERIOD } from "daffi";
          const maybe = (): number | undefined => undefined;
          export async function main() {
            const g = await Global.start({ processName: process.env.NAME, port: maybe(), host: process.env.HOST, sslCertificate: process.env.CERT, token: process.env.TOKEN });
            await g.call.x().with(FG({ timeout: maybe() }));
            void BG({ eta: maybe(), timeout: maybe() });
            void BROADCAST({ returnResult: undefined, timeout: maybe() });
            void PERIOD({ interval: maybe() });
          }`,
      },
      {},
      undefined,
      { exactOptionalPropertyTypes: true },
    );
    expect(diagnostics).toEqual([]);
  });
});
