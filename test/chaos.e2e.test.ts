// Chaos: callers, providers and the controller killed and restarted, a half-open link, a frozen provider — every call gets its own answer or a typed error, never a hang.
import { afterAll, describe, expect, it } from "@jest/globals";
import { rssOf } from "./helpers/rss";
import { CLI, killAll, Spawned } from "./helpers/Spawned";
import { freePort } from "./helpers/system";
import { TcpProxy } from "./helpers/TcpProxy";

afterAll(killAll);

interface Stats {
  calls: number;
  ok: number;
  wrong: number;
  hang: number;
  untyped: number;
  errors: Record<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The last STATS (or FINAL) line a caller printed: what it knew when it died or stopped. */
function lastStats(caller: Spawned): Stats | undefined {
  for (let i = caller.stdout.length - 1; i >= 0; i--) {
    const match = /^(?:STATS|FINAL) (.*)$/.exec(caller.stdout[i]!);
    if (match) return JSON.parse(match[1]!) as Stats;
  }
  return undefined;
}

describe("chaos", () => {
  it(
    "3 callers, 3 providers, a controller; kills, restarts, a half-open link and a frozen provider: 0 wrong answers, 0 hangs, bounded memory",
    async () => {
      const port = await freePort();
      const startController = async () => {
        const controller = new Spawned("controller", [CLI, "controller", "--host", "127.0.0.1", "--port", String(port), "--heartbeat", "1"]);
        await controller.waitForLine(/Controller has been started/);
        return controller;
      };
      let controller = await startController();
      const proxy = await TcpProxy.start({ host: "127.0.0.1", port });
      const direct = { DAFFI_HOST: "127.0.0.1", DAFFI_PORT: String(port), DAFFI_HEARTBEAT: "1", DAFFI_LOG_LEVEL: "silent" };
      const provider = (name: string, env = direct) => Spawned.script("test/fixtures/peer.js", { ...env, DAFFI_NAME: name });
      const caller = (name: string) => Spawned.script("test/fixtures/chaos-caller.js", { ...direct, DAFFI_NAME: name });
      const providers = new Map([
        ["p1", provider("p1")],
        ["p2", provider("p2")],
        ["p3", provider("p3", { ...direct, DAFFI_PORT: String(proxy.port) })], // its link can go half-open
      ]);
      await Promise.all([...providers.values()].map((node) => node.waitForLine(/^READY$/, 15_000)));
      const finished: Spawned[] = [];
      const callers = new Map(["c1", "c2", "c3"].map((name) => [name, caller(name)]));
      await Promise.all([...callers.values()].map((node) => node.waitForLine(/^READY$/, 15_000)));

      let maxRss = 0;
      const sampler = setInterval(() => {
        try {
          if (!controller.exitedEarly()) maxRss = Math.max(maxRss, rssOf(controller.pid));
        } catch {
          // it is being restarted
        }
      }, 100);
      const restartCaller = async (name: string) => {
        const old = callers.get(name)!;
        old.kill("SIGKILL");
        await old.exited;
        finished.push(old);
        callers.set(name, caller(name));
      };
      const restartProvider = async (name: string) => {
        const old = providers.get(name)!;
        old.kill("SIGKILL");
        await old.exited;
        providers.set(name, provider(name));
      };
      const events: Array<[number, string, () => Promise<void> | void]> = [
        [4000, "kill and restart caller c1 (same name, same call ids)", () => restartCaller("c1")],
        [8000, "SIGSTOP provider p2", () => providers.get("p2")!.kill("SIGSTOP")],
        [12_000, "SIGCONT provider p2", () => providers.get("p2")!.kill("SIGCONT")],
        [15_000, "the link of provider p3 goes half-open", () => proxy.freeze()],
        [20_000, "kill and restart provider p1", () => restartProvider("p1")],
        [25_000, "kill and restart the controller", async () => {
          controller.kill("SIGKILL");
          await controller.exited;
          controller = await startController();
        }],
        [32_000, "kill and restart caller c2", () => restartCaller("c2")],
        [36_000, "kill and restart provider p3 (through the proxy again)", async () => {
          const old = providers.get("p3")!;
          old.kill("SIGKILL");
          await old.exited;
          providers.set("p3", provider("p3", { ...direct, DAFFI_PORT: String(proxy.port) }));
        }],
      ];
      const startedAt = Date.now();
      for (const [at, what, act] of events) {
        await sleep(Math.max(0, at - (Date.now() - startedAt)));
        console.log(`chaos +${((Date.now() - startedAt) / 1000).toFixed(1)}s: ${what}`);
        await act();
      }
      await sleep(Math.max(0, 42_000 - (Date.now() - startedAt)));
      for (const node of callers.values()) node.kill("SIGTERM");
      await Promise.all([...callers.values()].map((node) => node.waitForLine(/^FINAL /, 20_000)));
      clearInterval(sampler);
      await proxy.close();

      const total: Stats = { calls: 0, ok: 0, wrong: 0, hang: 0, untyped: 0, errors: {} };
      for (const node of [...finished, ...callers.values()]) {
        const stats = lastStats(node);
        if (!stats) continue;
        total.calls += stats.calls;
        total.ok += stats.ok;
        total.wrong += stats.wrong;
        total.hang += stats.hang;
        total.untyped += stats.untyped;
        for (const [code, count] of Object.entries(stats.errors)) total.errors[code] = (total.errors[code] ?? 0) + count;
      }
      console.log(`chaos: ${total.calls} calls: ${total.ok} ok, ${total.wrong} wrong, ${total.hang} hung, ${total.untyped} untyped errors, typed errors ${JSON.stringify(total.errors)}; controller RSS at most ${Math.round(maxRss / 1024 / 1024)} MB`);
      expect(total.wrong).toBe(0);
      expect(total.hang).toBe(0);
      expect(total.untyped).toBe(0);
      expect(total.calls).toBeGreaterThan(5000);
      expect(total.ok).toBeGreaterThan(total.calls / 2);
      expect(maxRss).toBeLessThan(300 * 1024 * 1024);
    },
    150_000,
  );
});
