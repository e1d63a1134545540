// The caller's pick of a provider, in one process: round-robin turns, least-busy counts, bounds.
import { describe, expect, it } from "@jest/globals";
import { Balancer } from "../runtime/call/Balancer";

describe("Balancer", () => {
  it("round-robin takes each candidate in turn, per callback; with one candidate it leaves the pick to the controller", () => {
    const balancer = new Balancer();
    expect([0, 1, 2, 3].map(() => balancer.pick("round-robin", "a", ["x", "y", "z"]))).toEqual(["x", "y", "z", "x"]);
    expect(balancer.pick("round-robin", "b", ["x", "y"])).toBe("x"); // its own turns
    expect(balancer.pick("round-robin", "a", ["x"])).toBeUndefined();
    expect(balancer.pick("random", "a", ["x", "y"])).toBeUndefined();
  });

  it("least-busy picks even the only candidate (so its calls are counted when others join), then the one with the fewest", () => {
    const balancer = new Balancer();
    expect(balancer.pick("least-busy", "a", ["x"])).toBe("x");
    balancer.started("x");
    balancer.started("x");
    balancer.started("y");
    for (let i = 0; i < 20; i++) expect(balancer.pick("least-busy", "a", ["x", "y", "z"])).toBe("z");
    balancer.finished("x");
    balancer.finished("x");
    const picks = new Set(Array.from({ length: 200 }, () => balancer.pick("least-busy", "a", ["x", "y", "z"])));
    expect([...picks].sort()).toEqual(["x", "z"]); // ties at random, never the busy one
  });

  it("keeps turns for a bounded number of callback names, and no count for a process with nothing in flight", () => {
    const balancer = new Balancer();
    for (let i = 0; i < 25_000; i++) balancer.pick("round-robin", `name-${i}`, ["x", "y"]);
    expect((balancer as unknown as { turns: Map<string, number> }).turns.size).toBeLessThanOrEqual(10_000);
    balancer.started("x");
    balancer.finished("x");
    balancer.finished("x"); // never below zero
    expect((balancer as unknown as { inFlight: Map<string, number> }).inFlight.size).toBe(0);
  });
});
