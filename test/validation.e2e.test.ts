// Spec 2.1–2.2 with the transformer: arguments and results are checked against the shared interface,
// on the fetcher before sending and again on the callback's node before running.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { BG, Fetcher, fetcher, Global, ValidationError } from "../runtime";
import { settled } from "./helpers/settled";
import { killAll, Spawned } from "./helpers/Spawned";
import { startController, startSystem, stopSystem } from "./helpers/system";
import type { Item, ShopApi } from "./fixtures/shopApi";

class ShopClient extends Fetcher<ShopApi> {}

class Liar extends Fetcher {
  declare lie: () => Promise<number>;
}

const item = (overrides: Record<string, unknown> = {}): Item => ({ name: "tea", price: 2, added: new Date(0), ...overrides }) as Item;

async function rejection(promise: unknown): Promise<ValidationError> {
  const error = await settled(promise as Promise<unknown>);
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe("validated calls", () => {
  let g: Global;
  const shop = new ShopClient();

  beforeAll(async () => {
    ({ g } = await startSystem([{ script: "test/fixtures/shop-service.js" }], "client"));
  });

  afterAll(() => stopSystem(g));

  it("lets good arguments through, Date/Map/Uint8Array/bigint included", async () => {
    const before = await shop.count();
    expect(await shop.addItem(item({ tags: ["green"] }), 2)).toBe(before + 2);
    expect(await shop.sum(1, 2, 3.5)).toBe(6.5);
    expect(await shop.describe(new Uint8Array(3), 10n ** 20n, new Map([["tea", 1]]))).toBe("3 bytes, 100000000000000000000, 1 in stock");
    expect(await shop.describe(new Uint8Array(0), 1n, new Map(), new Date(0))).toBe("0 bytes, 1, 0 in stock, 1970-01-01T00:00:00.000Z");
    expect(await shop.label({ code: "x1" })).toBe("x1");
    expect(await shop.label(7)).toBe("7");
  });

  describe("on the fetcher, before anything is sent", () => {
    it.each<[string, () => unknown, { path: string; expected: string; value: unknown }]>([
      ["wrong type", () => shop.addItem(item({ price: "2" }), 1), { path: "$input[0].price", expected: "number", value: "2" }],
      ["nested wrong field", () => shop.addItem(item({ tags: ["ok", 5] }), 1), { path: "$input[0].tags[1]", expected: "string", value: 5 }],
      ["missing argument", () => (shop.addItem as (...a: unknown[]) => unknown)(item()), { path: "$input[1]", expected: "number", value: undefined }],
      ["missing property", () => shop.addItem({ name: "tea", added: new Date() } as Item, 1), { path: "$input[0].price", expected: "number", value: undefined }],
      ["extra argument", () => (shop.count as (...a: unknown[]) => unknown)(1), { path: "$input", expected: "at most 0 arguments", value: 1 }],
      ["rest parameter", () => (shop.sum as (...a: unknown[]) => unknown)(1, 2, "3"), { path: "$input[2]", expected: "number", value: "3" }],
      ["Date expected", () => shop.addItem(item({ added: "yesterday" }), 1), { path: "$input[0].added", expected: "Date", value: "yesterday" }],
      ["bigint expected", () => (shop.describe as (...a: unknown[]) => unknown)(new Uint8Array(), 1, new Map()), { path: "$input[1]", expected: "bigint", value: 1 }],
    ])("%s", async (_case, call, expected) => {
      const before = await shop.count();
      const error = await rejection(call());
      expect(error).toMatchObject(expected);
      expect(error.message).toContain(expected.path);
      expect(await shop.count()).toBe(before); // nothing reached the callback
    });

    it("with BG, the AsyncResult carries the ValidationError", async () => {
      const future = shop.addItem.with(BG)(item({ price: null }), 1);
      const error = await rejection(future.get());
      expect(error.path).toBe("$input[0].price");
    });

    it("a function-form fetcher validates too", async () => {
      const addItem = fetcher<(item: Item, quantity: number) => number>("addItem");
      const error = await rejection((addItem as (...a: unknown[]) => unknown)(item(), "1"));
      expect(error).toMatchObject({ path: "$input[1]", expected: "number", value: "1" });
    });
  });

  describe("on the callback's node (a caller without validators cannot push bad data in)", () => {
    it.each<[string, string, unknown[], { path: string; expected: string; value: unknown }]>([
      ["wrong type", "addItem", [item({ price: "2" }), 1], { path: "$input[0].price", expected: "number", value: "2" }],
      ["missing argument", "addItem", [item()], { path: "$input[1]", expected: "number", value: undefined }],
      ["union member", "label", [{ code: 5 }], { path: "$input[0].code", expected: "string", value: 5 }],
    ])("%s", async (_case, name, args, expected) => {
      const before = await shop.count();
      const error = await rejection(g.call[name]!(...args));
      expect(error).toMatchObject(expected);
      expect(await shop.count()).toBe(before);
    });

    it("refuses extra arguments and keeps serving", async () => {
      const error = await rejection(g.call.count(1, 2));
      expect(error).toMatchObject({ path: "$input", expected: "at most 0 arguments" });
      expect(typeof (await g.call.count())).toBe("number");
    });
  });

  it("checks results against the declared return type", async () => {
    const error = await rejection(new Liar().lie());
    expect(error).toMatchObject({ path: "$result", expected: "number", value: "not a number" });
  });
});

describe("code compiled without the transformer", () => {
  afterAll(killAll);

  it("still calls (body-less methods found from the source), validates nothing, and warns once naming the plugin", async () => {
    const { connection } = await startController("unix");
    const service = Spawned.script("test/plain/service.js", connection.env);
    await service.waitForLine(/^READY$/);
    const client = Spawned.script("test/plain/client.js", connection.env);
    await client.succeeds();
    expect(client.stdout).toEqual(["3", "12", "exposed: plain tsc does not know TypeScript's private", "6"]);
    for (const process of [service, client]) {
      const warnings = process.stderr.filter((line) => line.includes("compiled without the daffi transformer"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^WARNING: .* \| node\[pid \d+\] \| .*"plugins": \[\{ "transform": "daffi\/transformer" \}\]/);
    }
  });

  it("a Callback class with static autoInit = true alone is not created: the service says so, naming the class", async () => {
    const { connection } = await startController("unix");
    const service = Spawned.script("test/plain/lost-service.js", connection.env);
    await service.waitForLine(/^READY$/);
    await service.waitForLine(/has static autoInit = true/); // said once the start is done
    await new Promise((resolve) => setTimeout(resolve, 200));
    const warnings = service.stderr.filter((line) => line.includes("has static autoInit = true"));
    expect(warnings).toEqual([
      expect.stringMatching(/^WARNING: .* \| node\[pid \d+\] \| Callback class LostService has static autoInit = true, but was compiled without the daffi transformer: daffi does not create it, .* or create it yourself with new LostService\(\)\.$/),
    ]);
  });
});
