// Balancing: how a caller spreads its calls over three provider processes — random (the controller
// picks), round-robin (each in turn), least-busy (the fewest of this caller's calls in flight) — as a
// call's option, a fetcher's `static balancing` and the Global's default.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { BG, ConfigurationError, Fetcher, FG, Global, NO_RETURN, PERIOD } from "../runtime";
import { eventually } from "./helpers/eventually";
import { killAll, Spawned } from "./helpers/Spawned";
import { type Connection, startController } from "./helpers/system";

const PROVIDERS = ["p1", "p2", "p3"];
let connection: Connection;
let g: Global;

interface Who {
  whoami(): string;
}
class RoundRobinWho extends Fetcher<Who> {
  static balancing = "round-robin";
}

beforeAll(async () => {
  ({ connection } = await startController("unix"));
  for (const name of PROVIDERS) Spawned.script("test/fixtures/peer.js", { ...connection.env, DAFFI_NAME: name });
  g = await Global.start({ processName: "balancing-caller", ...connection.options, logLevel: "silent" });
  await eventually(() => g.registeredCallbacks.whoami?.length === 3, 15_000, "three providers of whoami");
}, 30_000);

afterAll(async () => {
  await g?.stop();
  await killAll();
});

function count(names: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

async function sequential(n: number, call: () => Promise<string>): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < n; i++) names.push(await call());
  return names;
}

describe("balancing over three providers", () => {
  it("round-robin: each provider in turn, so 300 calls are 100 each and every three in a row are the three", async () => {
    const names = await sequential(300, () => g.call.whoami().fg({ balancing: "round-robin" }) as Promise<string>);
    expect(count(names)).toEqual({ p1: 100, p2: 100, p3: 100 });
    for (let i = 0; i < 300; i += 3) expect(new Set(names.slice(i, i + 3)).size).toBe(3);
  });

  it("random (the default): all three get calls, none far from a third", async () => {
    const names = await sequential(300, () => g.call.whoami() as unknown as Promise<string>);
    const counts = count(names);
    expect(Object.keys(counts).sort()).toEqual(PROVIDERS);
    for (const provider of PROVIDERS) expect(counts[provider]).toBeGreaterThan(50); // mean 100, sd 8
  });

  it("least-busy: while two providers each run a long call of this caller, the next calls all go to the third", async () => {
    const slow = [0, 1].map(() => g.call.slowWhoami(1.5).fg({ balancing: "least-busy" }) as Promise<string>);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const quick = await sequential(30, () => g.call.whoami().fg({ balancing: "least-busy" }) as Promise<string>);
    const busy = await Promise.all(slow);
    expect(new Set(busy).size).toBe(2); // the second long call went to one without any
    expect(new Set(quick).size).toBe(1);
    expect(busy).not.toContain(quick[0]);
    // Once nothing is in flight, ties are broken at random: all three again.
    const idle = await sequential(150, () => g.call.whoami().fg({ balancing: "least-busy" }) as Promise<string>);
    expect(Object.keys(count(idle)).sort()).toEqual(PROVIDERS);
  });

  it("a fetcher's static balancing applies to its calls, and a modifier's own strategy wins over it", async () => {
    const who = new RoundRobinWho();
    expect(count(await sequential(30, () => who.whoami() as unknown as Promise<string>))).toEqual({ p1: 10, p2: 10, p3: 10 });
    const withBg = await sequential(30, () => (who.whoami.with(BG()) as () => { get(): Promise<string> })().get());
    expect(count(withBg)).toEqual({ p1: 10, p2: 10, p3: 10 });
    const least = who.whoami.with(FG({ balancing: "least-busy" })) as () => Promise<string>;
    expect(Object.keys(count(await sequential(150, least))).sort()).toEqual(PROVIDERS);
  });

  it("NO_RETURN and PERIOD pick their provider the same way", async () => {
    const label = `rr-${Date.now()}`;
    for (let i = 0; i < 30; i++) await g.call.tick(label).with(NO_RETURN({ balancing: "round-robin" }));
    await eventually(async () => {
      const ticks = (await g.call.ticksOf(label).broadcast({ returnResult: true })) as Record<string, number>;
      return PROVIDERS.every((process) => ticks[process] === 10);
    }, 5000, "10 ticks on each provider");
    const tasks = await Promise.all([0, 1, 2].map(() => g.call.whoami().with(PERIOD({ interval: 60, balancing: "round-robin" })) as Promise<{ process: string; cancel(): Promise<void> }>));
    expect(tasks.map((task) => task.process).sort()).toEqual(PROVIDERS);
    await Promise.all(tasks.map((task) => task.cancel()));
  });

  it("the Global's balancing is the default of its calls; a call's own strategy wins over it", async () => {
    const other = await Global.start({ processName: "balancing-default", ...connection.options, logLevel: "silent", balancing: "round-robin" });
    try {
      await eventually(() => other.registeredCallbacks.whoami?.length === 3, 5000, "the registry");
      expect(count(await sequential(30, () => other.call.whoami() as unknown as Promise<string>))).toEqual({ p1: 10, p2: 10, p3: 10 });
      // Round-robin would spread these; least-busy sends them all to the one provider without a long call.
      const slow = [0, 1].map(() => other.call.slowWhoami(1).fg({ balancing: "least-busy" }) as Promise<string>);
      const quick = await sequential(12, () => other.call.whoami().fg({ balancing: "least-busy" }) as Promise<string>);
      expect(new Set(quick).size).toBe(1);
      expect(await Promise.all(slow)).not.toContain(quick[0]);
    } finally {
      await other.stop();
    }
  });

  it("refuses a strategy it does not know, wherever it is given", async () => {
    expect(() => FG({ balancing: "fastest" } as never)).toThrow('FG balancing must be one of "random", "round-robin", "least-busy", got "fastest" (a string)');
    await expect(Global.start({ balancing: "round robin" } as never)).rejects.toThrow(ConfigurationError);
    class Wrong extends Fetcher<Who> {
      static balancing = "nearest";
    }
    await expect(new Wrong().whoami() as unknown as Promise<string>).rejects.toThrow('Wrong.balancing must be one of "random", "round-robin", "least-busy", got "nearest" (a string)');
  });
});
