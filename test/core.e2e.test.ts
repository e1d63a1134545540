// Spec "Global" and "callback": a controller and nodes in separate processes calling each other.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { CallbackNotFoundError, Global, NodeDisconnectedError, RemoteError, TimeoutError } from "../runtime";
import { settled } from "./helpers/settled";
import { killAll, Spawned } from "./helpers/Spawned";
import { startController, type Transport } from "./helpers/system";

describe.each<Transport>(["unix", "tcp"])("calls between nodes over %s", (transport) => {
  let controller: Spawned;
  let g: Global;

  beforeAll(async () => {
    const started = await startController(transport);
    controller = started.controller;
    const peers = ["A", "B"].map((name) => Spawned.script("test/fixtures/peer.js", { ...started.connection.env, DAFFI_NAME: name }));
    await Promise.all(peers.map((peer) => peer.waitForLine(/^READY$/)));
    g = await Global.start({ processName: "driver", ...started.connection.options, logLevel: "silent" });
  });

  afterAll(async () => {
    await g?.stop();
    await killAll();
  });

  it("knows the registry: which process has which callback", () => {
    const callbacks = g.registeredCallbacks;
    expect(callbacks.sleep_A).toEqual(["A"]);
    expect(callbacks.sleep_B).toEqual(["B"]);
    expect([...(callbacks.whoami ?? [])].sort()).toEqual(["A", "B"]);
  });

  it("runs sync and async callbacks, node to node in both directions", async () => {
    // The driver asks A to call B and B to call A: each relay is a real call between the two nodes.
    expect(await g.call.relay("sleep_B", [0])).toBe("B");
    expect(await g.call.relay("sleep_A", [0])).toBe("A");
    expect(await g.call.add(2, 3)).toBe(5);
    expect(await g.call.addAsync(20, 22)).toBe(42);
  });

  it("carries the values CBOR carries, unchanged, across two hops", async () => {
    const value = {
      date: new Date("2023-06-18T22:40:34.123Z"),
      map: new Map<unknown, unknown>([["a", 1], [2, { nested: true }]]),
      set: new Set(["x", 1]),
      bytes: new Uint8Array([0, 1, 254, 255]),
      big: 12345678901234567890n,
      small: -5n,
      nothing: null,
      missing: undefined,
      nested: { list: [1, "two", [3, { four: 4.5 }]], empty: {}, emptyList: [] },
      text: "héllo ✓",
    };
    const back = await g.call.relay("echo", [value]);
    expect(back).toStrictEqual(value);
    expect(await g.call.echo(undefined)).toBeUndefined();
    expect(await g.call.echo(null)).toBeNull();
  });

  it("fails at once with CallbackNotFoundError for an unknown callback", async () => {
    const started = Date.now();
    await expect(g.call.noSuchCallback(1)).rejects.toBeInstanceOf(CallbackNotFoundError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("turns a throwing callback into RemoteError and keeps the node serving", async () => {
    const error = await settled(g.call.fail("wrong input"));
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ message: "wrong input", remoteName: "TypeError", code: "REMOTE" });
    expect(["A", "B"]).toContain((error as RemoteError).processName);
    expect((error as RemoteError).remoteStack).toContain("TypeError: wrong input");
    for (let i = 0; i < 10; i++) expect(await g.call.add(i, 1)).toBe(i + 1);
  });

  it("gives up after the FG timeout with TimeoutError, and the system goes on", async () => {
    await expect(g.call.sleep_A(5).fg({ timeout: 0.2 })).rejects.toBeInstanceOf(TimeoutError);
    expect(await g.call.sleep_A(0)).toBe("A");
  });

  it("spreads calls over the nodes that share a callback", async () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      const who: string = await g.call.whoami();
      counts[who] = (counts[who] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(["A", "B"]);
    expect(counts.A! + counts.B!).toBe(200);
  });

  it("answers 1,000 concurrent calls from one node, each with its own result", async () => {
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => g.call.addAsync(i, 1000 * i)));
    results.forEach((result, i) => expect(result).toBe(i + 1000 * i));
  });

  it("keeps the controller alive throughout", () => {
    expect(controller.exitedEarly()).toBe(false);
  });
});

describe("a node that dies mid-call", () => {
  afterAll(killAll);

  it("fails the caller's call at once with NodeDisconnectedError; the rest keeps working", async () => {
    const { connection } = await startController("unix");
    const victim = Spawned.script("test/fixtures/peer.js", { ...connection.env, DAFFI_NAME: "victim" });
    const survivor = Spawned.script("test/fixtures/peer.js", { ...connection.env, DAFFI_NAME: "survivor" });
    await Promise.all([victim.waitForLine(/^READY$/), survivor.waitForLine(/^READY$/)]);
    await using g = await Global.start({ processName: "driver", ...connection.options, logLevel: "silent" });

    const outcome = settled(g.call.sleep_victim(60).fg());
    await new Promise((resolve) => setTimeout(resolve, 300));
    const killedAt = Date.now();
    victim.kill("SIGKILL");
    const error = await outcome;
    expect(error).toBeInstanceOf(NodeDisconnectedError);
    expect((error as Error).message).toContain("victim");
    expect(Date.now() - killedAt).toBeLessThan(3000);

    expect(await g.call.sleep_survivor(0)).toBe("survivor");
    await g.waitFunction("sleep_survivor", { timeout: 1 });
    expect(g.registeredCallbacks.sleep_victim).toBeUndefined();
  });
});
