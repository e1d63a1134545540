// A generator called as a plain call, collected on the executing node: what its items hold and why it fails.
import { describe, expect, it } from "@jest/globals";
import { Collector } from "../runtime/node/OutboundStream";
import { ValidationError } from "../runtime/errors/DaffiError";
import { encode } from "../runtime/wire/codec";

describe("Collector", () => {
  it("holds no more than a collected item's own bytes, whatever is encoded between items", async () => {
    function* small(): Generator<Uint8Array> {
      for (let i = 0; i < 200; i++) {
        encode("x".repeat(7000)); // other traffic, between two items, moves the codec's shared write buffer on
        yield Uint8Array.of(i);
      }
    }
    const items = (await new Collector(small(), 1 << 20).collect()) as Uint8Array[];
    expect(items.map((item) => item[0])).toEqual(Array.from({ length: 200 }, (_, i) => i));
    // Each decoded byte string is a view: of a copy of its item (a few bytes), not of the codec's whole buffer.
    expect(Math.max(...items.map((item) => item.buffer.byteLength))).toBeLessThan(64);
  });

  it("an item that cannot be encoded is daffi's own failure (its class, its path), not the generator's", async () => {
    function* proto(): Generator<unknown> {
      yield 1;
      yield JSON.parse('{"__proto__": 1}');
    }
    const collector = new Collector(proto(), 1 << 20);
    const failure = await collector.collect().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ValidationError);
    expect((failure as ValidationError).path).toBe("$result[1].__proto__");
    expect(collector.ownError).toBe(failure);
    // What the generator throws is its own.
    function* throws(): Generator<number> {
      yield 1;
      throw new ValidationError("the generator's", { path: "$x", expected: "y", value: 1 });
    }
    const thrower = new Collector(throws(), 1 << 20);
    const thrown = await thrower.run().catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(ValidationError);
    expect(thrower.ownError).toBeUndefined();
  });
});
