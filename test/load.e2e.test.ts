// Load: 10 node processes make 2,000 mixed calls each while a provider is killed and restarted.
import { afterAll, describe, expect, it } from "@jest/globals";
import { killAll, Spawned } from "./helpers/Spawned";
import { startController } from "./helpers/system";

afterAll(killAll);

interface Outcome {
  ok: number;
  wrong: number;
  untyped: number;
  errors: Record<string, number>;
}

describe("load with a provider killed and restarted", () => {
  it("every FG/BG call returns its own correct result or fails with a typed error; none is lost or hangs", async () => {
    const { connection } = await startController("unix");
    const provider = (name: string) => Spawned.script("test/fixtures/peer.js", { ...connection.env, DAFFI_NAME: name });
    const stable = provider("provider-stable");
    let flaky = provider("provider-flaky");
    await Promise.all([stable.waitForLine(/^READY$/), flaky.waitForLine(/^READY$/)]);

    const callers = Array.from({ length: 10 }, (_, i) => Spawned.script("test/fixtures/load-caller.js", { ...connection.env, DAFFI_NAME: `caller-${i}`, CALLS: "2000" }));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    flaky.kill("SIGKILL");
    await flaky.exited;
    await new Promise((resolve) => setTimeout(resolve, 500));
    flaky = provider("provider-flaky");
    await flaky.waitForLine(/^READY$/);

    const outcomes: Outcome[] = [];
    for (const caller of callers) {
      await caller.succeeds(90_000);
      const line = caller.stdout.find((l) => l.startsWith("OUTCOME "));
      outcomes.push(JSON.parse(line!.slice("OUTCOME ".length)) as Outcome);
    }
    const total = outcomes.reduce(
      (sum, o) => {
        sum.ok += o.ok;
        sum.wrong += o.wrong;
        sum.untyped += o.untyped;
        for (const [code, count] of Object.entries(o.errors)) sum.errors[code] = (sum.errors[code] ?? 0) + count;
        return sum;
      },
      { ok: 0, wrong: 0, untyped: 0, errors: {} as Record<string, number> },
    );
    const failed = Object.values(total.errors).reduce((a, b) => a + b, 0);
    console.log(`load: ${total.ok} ok, ${failed} typed errors ${JSON.stringify(total.errors)}, ${total.wrong} wrong, ${total.untyped} untyped`);
    expect(total.ok + failed + total.wrong + total.untyped).toBe(20_000);
    expect(total.wrong).toBe(0);
    expect(total.untyped).toBe(0);
    expect(total.errors.TIMEOUT ?? 0).toBe(0); // nothing hung until its timeout
    expect(Object.keys(total.errors).every((code) => code === "NODE_DISCONNECTED" || code === "CALLBACK_NOT_FOUND")).toBe(true);
    expect(total.ok).toBeGreaterThan(15_000);
  }, 120_000);
});
