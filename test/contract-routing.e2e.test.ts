// contract "strict": calls go only to providers whose contract serves the fetcher's, even when the
// caller's view is stale (a provider joined or left since its last REGISTRY): the CALL says which
// fingerprints it accepts and the controller picks among the providers it knows now.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { TcpProxy } from "./helpers/TcpProxy";
import { Fetcher, Global } from "../runtime";
import type { SumsV1 } from "./fixtures/contractApi";
import { settled } from "./helpers/settled";
import { CLI, killAll, Spawned } from "./helpers/Spawned";

class SumsClient extends Fetcher<SumsV1> {}
const PEER = "test/fixtures/contract-peer.js";

describe("a strict caller's stale view", () => {
  let port: number;
  let proxy: TcpProxy;
  let g: Global;
  let good: Spawned;

  beforeAll(async () => {
    const controller = new Spawned("controller", [CLI, "controller", "--host", "127.0.0.1", "--port", "0"]);
    port = Number((await controller.waitForLine(/port: (\d+) \]/))[1]);
    good = Spawned.script(PEER, { DAFFI_HOST: "127.0.0.1", DAFFI_PORT: String(port), DAFFI_VARIANT: "v1", DAFFI_NAME: "v1-sums" });
    await good.waitForLine(/^READY$/);
    proxy = await TcpProxy.start({ host: "127.0.0.1", port }, { lagMs: 300 });
    g = await Global.start({ host: "127.0.0.1", port: proxy.port, logLevel: "silent" });
    await g.waitFunction("calculateSum", { timeout: 10 });
  });

  afterAll(async () => {
    await g?.stop();
    await proxy?.close();
    await killAll();
  });

  it("no call reaches a provider whose contract does not fit, even one that just joined", async () => {
    expect(await new SumsClient().calculateSum(1, 2, 3)).toBe(6);
    // v2-sums serves calculateSum(a: number, b: number): not the fetcher's (...numbers: number[]).
    const v2 = Spawned.script(PEER, { DAFFI_HOST: "127.0.0.1", DAFFI_PORT: String(port), DAFFI_VARIANT: "v2", DAFFI_NAME: "v2-sums" });
    await v2.waitForLine(/^READY$/); // registered at the controller; the caller hears of it ~300 ms later
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => settled(new SumsClient().calculateSum(1, 2, 3))));
    const reachedV2 = outcomes.filter((o) => o instanceof Error).map((o) => `${(o as Error).name}: ${(o as Error).message}`);
    // Expected: 6 from v1-sums each time (or ContractMismatchError), never v2-sums' own refusal.
    expect(reachedV2).toEqual([]);
  }, 30_000);

  it("a compatible provider that has just left does not lose the call: the controller picks another", async () => {
    const other = Spawned.script(PEER, { DAFFI_HOST: "127.0.0.1", DAFFI_PORT: String(port), DAFFI_VARIANT: "v1", DAFFI_NAME: "v1-other" });
    await other.waitForLine(/^READY$/);
    for (let i = 0; i < 250 && g.registeredCallbacks.calculateSum?.length !== 3; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect([...(g.registeredCallbacks.calculateSum ?? [])].sort()).toEqual(["v1-other", "v1-sums", "v2-sums"]);
    expect(await new SumsClient().calculateSum(1, 2, 3)).toBe(6); // pinned to v1-sums or v1-other
    good.kill();
    await good.exited;
    await new Promise((resolve) => setTimeout(resolve, 50)); // the controller has seen it go; the caller hears ~300 ms later
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => settled(new SumsClient().calculateSum(1, 2, 3))));
    const lost = outcomes.filter((o) => o instanceof Error).map((o) => `${(o as Error).name}: ${(o as Error).message}`);
    // v1-other serves every one of them.
    expect(lost).toEqual([]);
  }, 30_000);
});
