// `npm run bench -- --quick` keeps working: every figure is produced, as JSON lines with a summary last.
import { afterAll, describe, expect, it } from "@jest/globals";
import { killAll, Spawned } from "./helpers/Spawned";

afterAll(killAll);

describe("benchmarks, quick mode", () => {
  it("prints every figure with its baseline and ratio, and a summary", async () => {
    const bench = Spawned.script("bench/run.js", {}, ["--quick", "--json"]);
    await bench.succeeds(60_000);
    const lines = bench.stdout.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
    const names = lines.map((line) => line.name).filter(Boolean);
    expect(names).toEqual(
      expect.arrayContaining(["fg_seq_unix", "fg_par100_unix", "stream_unix", "payload_1mb_unix", "broadcast3_unix", "fg_seq_colocated_unix", "rss_controller_unix", "producer_heap_slow_reader", "startup_node_joining"]),
    );
    for (const line of lines.filter((l) => l.baseline !== undefined)) {
      expect(line.value).toBeGreaterThan(0);
      expect(line.ratio).toBeCloseTo((line.value as number) / (line.baseline as number), 5);
    }
    expect(lines[lines.length - 1]).toMatchObject({ summary: true });
  }, 90_000);
});
