// Spec section 6 (execution modifiers) and 2.13-2.15: BG, NO_RETURN, BROADCAST, PERIOD across processes.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  BG,
  BROADCAST,
  CallbackNotFoundError,
  CancelledError,
  ConfigurationError,
  Fetcher,
  Global,
  NodeDisconnectedError,
  NO_RETURN,
  PERIOD,
  RemoteError,
  ScheduledTaskNotFoundError,
  TimeoutError,
} from "../runtime";
import { parseInterval } from "../runtime/call/parseInterval";
import { killAll, Spawned } from "./helpers/Spawned";
import { startController } from "./helpers/system";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("execution modifiers across processes", () => {
  let g: Global;
  let env: Record<string, string>;
  const peers: Record<string, Spawned> = {};

  beforeAll(async () => {
    const started = await startController("unix");
    env = started.connection.env;
    for (const name of ["A", "B", "brokenC"]) peers[name] = Spawned.script("test/fixtures/peer.js", { ...env, DAFFI_NAME: name });
    await Promise.all(Object.values(peers).map((peer) => peer.waitForLine(/^READY$/)));
    g = await Global.start({ processName: "caller", ...started.connection.options, logLevel: "silent" });
  });

  afterAll(async () => {
    await g?.stop();
    await killAll();
  });

  describe("BG (2.13 asynchronous execution)", () => {
    it("returns an AsyncResult at once; get() gives the result; done tells", async () => {
      const future = g.call.sleep_A(0.2).bg();
      expect(future.done).toBe(false);
      expect(await future.get()).toBe("A");
      expect(future.done).toBe(true);
    });

    it("get({ timeout }) gives up waiting, the call goes on; BG timeout fails the call", async () => {
      const future = g.call.sleep_A(0.5).bg();
      await expect(future.get({ timeout: 0.1 })).rejects.toBeInstanceOf(TimeoutError);
      expect(await future.get()).toBe("A");
      await expect(g.call.sleep_A(5).bg({ timeout: 0.1 }).get()).rejects.toBeInstanceOf(TimeoutError);
    });

    it("eta delays sending; cancel() before it is sent means the callback never runs", async () => {
      const label = `eta-${Date.now()}`;
      const started = Date.now();
      await g.call.tick(label).bg({ eta: 0.3 }).get();
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      const cancelled = g.call.tick(label).bg({ eta: 0.3 });
      cancelled.cancel();
      await expect(cancelled.get()).rejects.toBeInstanceOf(CancelledError);
      await sleep(400);
      const counts = await g.call.ticksOf(label).broadcast({ returnResult: true });
      expect(Object.values(counts).reduce((a, b) => (a as number) + (b as number), 0)).toBe(1);
    });

    it("works as a fetcher's execModifier", async () => {
      class Sleeper extends Fetcher {
        static execModifier = BG({ timeout: 5 });
        declare sleep_B: (seconds: number) => unknown;
      }
      const future = new Sleeper().sleep_B(0) as { get(): Promise<string> };
      expect(await future.get()).toBe("B");
    });
  });

  describe("NO_RETURN", () => {
    it("resolves once accepted; the callback runs; nothing comes back", async () => {
      const label = `nr-${Date.now()}`;
      await expect(g.call.tick(label).noReturn()).resolves.toBeUndefined();
      await expect(g.call.tick(label).with(NO_RETURN({ eta: 0.05 }))).resolves.toBeUndefined();
      await sleep(200);
      const counts = await g.call.ticksOf(label).broadcast({ returnResult: true });
      expect(Object.values(counts).reduce((a, b) => (a as number) + (b as number), 0)).toBe(2);
    });

    it("still fails at once when no node has the callback", async () => {
      await expect(g.call.nobodyHasThis().noReturn()).rejects.toBeInstanceOf(CallbackNotFoundError);
    });
  });

  describe("BROADCAST (2.14 broadcasting)", () => {
    it("runs on every node; each process's result or error, by name", async () => {
      const menus = await g.call.menu().broadcast({ returnResult: true });
      expect(menus.A).toBe("A menu");
      expect(menus.B).toBe("B menu");
      expect(menus.brokenC).toBeInstanceOf(RemoteError);
      expect((menus.brokenC as RemoteError).message).toBe("brokenC kitchen is closed");
      expect((menus.brokenC as RemoteError).processName).toBe("brokenC");
    });

    it("without returnResult resolves once sent; every node runs it", async () => {
      const label = `bc-${Date.now()}`;
      await expect(g.call.tick(label).broadcast()).resolves.toBeUndefined();
      await sleep(200);
      const perProcess = await g.call.ticksOf(label).broadcast({ returnResult: true });
      expect(perProcess).toEqual({ A: 1, B: 1, brokenC: 1 });
    });

    it("a node that leaves mid-call is an error entry, and timeout marks the silent ones", async () => {
      const victim = Spawned.script("test/fixtures/peer.js", { ...env, DAFFI_NAME: "victim" });
      await victim.waitForLine(/^READY$/);
      const pending = g.call.whoami().with(BROADCAST({ returnResult: true, timeout: 10 })) as Promise<Record<string, unknown>>;
      const sleepy = g.call.sleep_victim(30).with(BROADCAST({ returnResult: true, timeout: 0.3 })) as Promise<Record<string, unknown>>;
      expect(await sleepy).toEqual({ victim: expect.any(TimeoutError) });
      const slow = g.call.sleep_victim(30).broadcast({ returnResult: true });
      await sleep(200);
      victim.kill("SIGKILL");
      const result = await slow;
      expect(result.victim).toBeInstanceOf(NodeDisconnectedError);
      expect((await pending).victim).toBe("victim");
    });

    it("fails at once when no node has the callback", async () => {
      await expect(g.call.nobodyHasThis().broadcast({ returnResult: true })).rejects.toBeInstanceOf(CallbackNotFoundError);
    });
  });

  describe("PERIOD (2.15 task scheduling)", () => {
    it("interval: runs on the executing node until cancelled, then no more", async () => {
      const label = `iv-${Date.now()}`;
      const task = await g.call.tick(label).period({ interval: "100ms" });
      expect(await g.getScheduledTasks(task.process)).toContain(task.id);
      await sleep(550);
      await task.cancel();
      const afterCancel = await g.call.ticksOf(label).broadcast({ returnResult: true });
      const runs = afterCancel[task.process] as number;
      expect(runs).toBeGreaterThanOrEqual(3);
      await sleep(300);
      const later = await g.call.ticksOf(label).broadcast({ returnResult: true });
      expect(later[task.process]).toBe(runs);
      expect(await g.getScheduledTasks(task.process)).not.toContain(task.id);
    });

    it("atTime: runs once per time, then the task is gone", async () => {
      const label = `at-${Date.now()}`;
      const now = Date.now();
      const task = await g.call.tick(label).with(PERIOD({ atTime: [now + 100, new Date(now + 200)] })) as { id: string; process: string };
      await sleep(450);
      const counts = await g.call.ticksOf(label).broadcast({ returnResult: true });
      expect(counts[task.process]).toBe(2);
      expect(await g.getScheduledTasks(task.process)).not.toContain(task.id);
      await expect(g.cancelScheduledTask(task.process, task.id)).rejects.toBeInstanceOf(ScheduledTaskNotFoundError);
    });

    it("g.cancelScheduledTask cancels by id", async () => {
      const task = await g.call.tick(`cancel-${Date.now()}`).period({ interval: 60 });
      await g.cancelScheduledTask(task.process, task.id);
      expect(await g.getScheduledTasks(task.process)).not.toContain(task.id);
    });

    it("refuses bad options locally with a clear message", async () => {
      expect(() => PERIOD({})).toThrow(/exactly one of atTime or interval/);
      expect(() => PERIOD({ atTime: Date.now() + 1000, interval: 5 })).toThrow(/exactly one/);
      expect(() => PERIOD({ interval: "soon" })).toThrow(ConfigurationError);
      expect(() => PERIOD({ atTime: [] })).toThrow(/empty/);
      await expect(g.call.tick("x").period({ atTime: Date.now() - 1000 })).rejects.toThrow(/is not in the future/);
    });
  });
});

describe("PERIOD interval strings", () => {
  it.each<[number | string, number]>([
    [5, 5000],
    [0.5, 500],
    ["5s", 5000],
    ["1m24s", 84_000],
    ["1.2 minutes", 72_000],
    ["500ms", 500],
    ["2h", 7_200_000],
    ["1 day", 86_400_000],
    ["1m 30s", 90_000],
    [" 10 seconds ", 10_000],
  ])("%j = %d ms", (interval, ms) => {
    expect(parseInterval(interval)).toBe(ms);
  });

  it.each<unknown>(["", "5", "s", "5 parsecs", "-5s", "5s and more", 0, -1, Number.NaN, null])("%j is refused", (interval) => {
    expect(() => parseInterval(interval as string)).toThrow(ConfigurationError);
  });
});
