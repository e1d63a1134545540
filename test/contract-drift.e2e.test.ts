// Contract checks between processes: a fetcher compiled against one version of an interface meets providers of another.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { BROADCAST, ContractMismatchError, Fetcher, type Global } from "../runtime";
import type { SumsV1 } from "./fixtures/contractApi";
import { settled } from "./helpers/settled";
import { Spawned } from "./helpers/Spawned";
import { type Connection, startSystem, stopSystem } from "./helpers/system";

class SumsClient extends Fetcher<SumsV1> {}

const PEER = "test/fixtures/contract-peer.js";
const V1 = "calculateSum(...numbers: number[]): number";
const V2 = "calculateSum(a: number, b: number): number";

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

describe("a fetcher meets providers of another version", () => {
  let g: Global;
  let connection: Connection;
  let nodes: Spawned[];
  const client = new SumsClient();

  beforeAll(async () => {
    ({ g, connection, nodes } = await startSystem([{ script: PEER, env: { DAFFI_VARIANT: "v2", DAFFI_NAME: "new-sums" } }], "old-client"));
  });

  afterAll(() => stopSystem(g));

  it("fails at once with ContractMismatchError naming the provider and both signatures; the callback does not run", async () => {
    const error = await settled(client.calculateSum(1, 2, 3));
    expect(error).toBeInstanceOf(ContractMismatchError);
    expect(error).toMatchObject({ code: "CONTRACT_MISMATCH" });
    expect((error as Error).message).toBe(`fetcher expects ${V1}, 'new-sums' serves ${V2} (the callback needs 2 argument(s), the fetcher may send 0)`);
    // Streams are checked the same way: the items would be strings where numbers are expected.
    const streamed = await settled(collect(client.range(3)));
    expect(streamed).toBeInstanceOf(ContractMismatchError);
    expect((streamed as Error).message).toMatch(/fetcher expects range\(n: number\): AsyncIterable<number>, 'new-sums' serves range\(n: number\): AsyncIterable<string> \(the callback's items do not fit/);
    // An untyped call is not checked: it reaches the callback, whose own validation refuses three arguments.
    expect(await settled(g.call.calculateSum(1, 2, 3))).toMatchObject({ code: "VALIDATION", expected: "at most 2 arguments" });
  });

  it("with a compatible provider too, calls go only to it; a broadcast, which would reach both, fails; signatureOf shows each", async () => {
    const old = Spawned.script(PEER, { ...connection.env, DAFFI_VARIANT: "v1", DAFFI_NAME: "old-sums" });
    await old.waitForLine(/^READY$/);
    await g.waitProcess("old-sums", { timeout: 10 });
    for (let i = 0; i < 30; i++) expect(await client.calculateSum(1, 2, 3)).toBe(6); // new-sums would refuse three arguments
    expect(await collect(client.range(3))).toEqual([0, 1, 2]);
    const broadcast = await settled(client.calculateSum.with(BROADCAST({ returnResult: true }))(1, 2));
    expect(broadcast).toBeInstanceOf(ContractMismatchError);
    expect(await g.signatureOf("calculateSum")).toEqual({ "new-sums": V2, "old-sums": V1 });
    // The incompatible provider goes: the broadcast reaches the one left.
    nodes[0]!.kill();
    await nodes[0]!.exited;
    for (let i = 0; i < 250 && g.registeredCallbacks.calculateSum?.length !== 1; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await client.calculateSum.with(BROADCAST({ returnResult: true }))(1, 2)).toEqual({ "old-sums": 3 });
    // A provider compiled without the transformer announces no contract: it is not checked (its own signature is (a, b)).
    const plain = Spawned.script("test/plain/service.js", connection.env);
    await plain.waitForLine(/^READY$/);
    await g.waitProcess("plain-service", { timeout: 10 });
    expect(await client.calculateSum.with(BROADCAST({ returnResult: true }))(1, 2)).toEqual({ "old-sums": 3, "plain-service": 3 });
    expect(await g.signatureOf("calculateSum")).toEqual({ "old-sums": V1, "plain-service": undefined });
  });
});

describe("contract modes", () => {
  let g: Global;
  let connection: Connection;

  beforeAll(async () => {
    ({ g, connection } = await startSystem([{ script: PEER, env: { DAFFI_VARIANT: "v2", DAFFI_NAME: "new-sums" } }], "driver"));
  });

  afterAll(() => stopSystem(g));

  it.each([
    ["strict", ["mismatch", "mismatch", "mismatch"], 0],
    ["warn", ["sum: 3", "sum: 3", "sum: 3"], 1],
    ["off", ["sum: 3", "sum: 3", "sum: 3"], 0],
  ] as const)('contract: "%s"', async (mode, outcomes, warnings) => {
    const caller = Spawned.script(PEER, { ...connection.env, DAFFI_VARIANT: "client", DAFFI_NAME: `client-${mode}`, DAFFI_CONTRACT: mode });
    await caller.succeeds();
    expect(caller.stdout.map((line) => line.split(":")[0] === "mismatch" ? "mismatch" : line)).toEqual(outcomes);
    // "warn" says it once per provider, however many calls.
    expect(caller.stderr.filter((line) => /WARNING: .* \| node\[client-warn\] \| Contract mismatch \(contract: "warn", the call goes on\): fetcher expects calculateSum/.test(line))).toHaveLength(warnings);
  });
});
