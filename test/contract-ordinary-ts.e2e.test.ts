// Ordinary TypeScript that compiles (`implements` the shared interface) and runs fine is not a
// contract mismatch: no false ContractMismatchError under contract: "strict", the default.
import { describe, expect, it } from "@jest/globals";
import { Callback, Fetcher, Global } from "../runtime";
import { settled } from "./helpers/settled";
import { tempSocketFolder } from "./helpers/system";

const ages = new Map<number, number>([[1, 30]]);

export interface People {
  person(id: number): { name: string; age?: number };
}
/** Inferred result: `{ name: string; age: number | undefined }`, which TypeScript accepts for `{ age?: number }`. */
class PeopleService extends Callback implements People {
  static autoInit = true;
  person(id: number) {
    return { name: `p${id}`, age: ages.get(id) };
  }
}
void PeopleService;
class PeopleClient extends Fetcher<People> {}

export interface Blobs {
  bytes(): Uint8Array;
  tags(): ReadonlySet<string>;
}
/** Inferred results: Buffer (a Uint8Array subclass) and Set<string> (a ReadonlySet). */
class BlobsService extends Callback implements Blobs {
  static autoInit = true;
  bytes() {
    return Buffer.from("hi");
  }
  tags() {
    return new Set(["a"]);
  }
}
void BlobsService;
class BlobsClient extends Fetcher<Blobs> {}

export interface Shapes {
  area(shape: { kind: "square" | "circle"; size: number }): number;
}
type Shape = { kind: "square"; size: number } | { kind: "circle"; size: number };
/** A discriminated union parameter: TypeScript accepts `{ kind: "square" | "circle" }` for it. */
class ShapesService extends Callback implements Shapes {
  static autoInit = true;
  area(shape: Shape): number {
    return shape.kind === "square" ? shape.size ** 2 : 3 * shape.size ** 2;
  }
}
void ShapesService;
class ShapesClient extends Fetcher<Shapes> {}

const calls = () => [
  settled(new PeopleClient().person(1)),
  settled(new BlobsClient().bytes().then((b) => Buffer.from(b).toString())),
  settled(new BlobsClient().tags().then((t) => [...t])),
  settled(new ShapesClient().area({ kind: "square", size: 2 })),
];
const expected = [{ name: "p1", age: 30 }, "hi", ["a"], 4];

describe("no false contract mismatches on ordinary TypeScript", () => {
  it('with contract: "off" the calls work (the values pass validation on both sides)', async () => {
    await using g = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), logLevel: "silent", contract: "off" });
    void g;
    expect(await Promise.all(calls())).toEqual(expected);
  });

  it('with contract: "strict" (the default) the same calls work too', async () => {
    await using g = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), logLevel: "silent" });
    void g;
    const outcomes = await Promise.all(calls());
    const shown = outcomes.map((o) => (o instanceof Error ? `${o.name}: ${o.message}` : o));
    expect(shown).toEqual(expected);
  });
});
