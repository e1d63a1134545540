// The contracts the transformer writes for small sources: compiled in memory, loaded with a stand-in for daffi.
import type ts from "typescript";
import type { ClassMetadata, MethodMetadata } from "../../runtime";
import { contractMismatch } from "../../runtime/contract/compatible";
import { type MethodContract, parseContract } from "../../runtime/contract/Shape";
import { compile, load } from "./compile";

const DEFINE = Symbol.for("daffi.define");

/** The metadata each Callback/Fetcher class of `source` hands to daffi, by class name (the source must compile cleanly). */
export function definedClasses(source: string, compilerOptions: ts.CompilerOptions = {}): Map<string, ClassMetadata> {
  const { js, diagnostics } = compile({ "case.ts": source }, {}, undefined, compilerOptions);
  if (diagnostics.length > 0) throw new Error(`the source does not compile:\n${diagnostics.join("\n")}`);
  const defined = new Map<string, ClassMetadata>();
  const base = () =>
    class {
      static [DEFINE](this: Function, metadata: ClassMetadata) {
        defined.set(this.name, metadata);
      }
    };
  load(js, { daffi: { Callback: base(), Fetcher: base() } });
  return defined;
}

/** Method `m` of class `cls`. */
export const methodM = (defined: Map<string, ClassMetadata>, cls: string): MethodMetadata => defined.get(cls)!.methods.find((method) => method.name === "m")!;

/** For each pair, `interface Api { m<expected> }` taken by a Fetcher, and a Callback with `m<served>`: both contracts. */
export function pairContracts(pairs: Array<[expected: string, served: string]>, prelude = ""): Array<{ expected: MethodContract; served: MethodContract }> {
  const source = [
    `import { Callback, Fetcher } from "daffi";`,
    prelude,
    ...pairs.flatMap(([expected, served], i) => [
      `export interface Api${i} { m${expected}; }`,
      `export class Client${i} extends Fetcher<Api${i}> {}`,
      `export class Service${i} extends Callback { m${served} { return undefined as never; } }`,
    ]),
  ].join("\n");
  const defined = definedClasses(source);
  return pairs.map((_, i) => ({ expected: methodM(defined, `Client${i}`).contract!, served: methodM(defined, `Service${i}`).contract! }));
}

/** Why each pair's callback does not serve its fetcher, or "compatible". */
export const verdicts = (pairs: Array<[string, string]>, prelude = "") =>
  pairContracts(pairs, prelude).map(({ expected, served }) => contractMismatch(parseContract(expected.text)!, parseContract(served.text)!) ?? "compatible");
