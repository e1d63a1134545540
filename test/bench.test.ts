// `npm run bench -- --quick` keeps working: every figure is produced, as JSON lines with a summary last.
import { afterAll, describe, expect, it } from "@jest/globals";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { hops } from "../bench/trace/hops";
import { killAll, Spawned } from "./helpers/Spawned";

afterAll(killAll);

describe("benchmarks, quick mode", () => {
  it("prints every figure with its baseline and ratio, and a summary", async () => {
    const bench = Spawned.script("bench/run.js", {}, ["--quick", "--json"]);
    await bench.succeeds(540_000);
    const lines = bench.stdout.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
    const names = lines.map((line) => line.name).filter(Boolean);
    expect(names).toEqual(
      expect.arrayContaining(["fg_seq_unix", "fg_seq_relay_unix", "fg_seq_vs_relay_unix", "fg_par100_unix", "stream_unix", "payload_1mb_unix", "broadcast3_unix", "fg_seq_colocated_unix", "fg_seq_fetcher_unix", "rss_controller_unix", "producer_heap_slow_reader", "startup_node_joining", "fg_seq_vs_moleculer_unix", "fg_par100_vs_moleculer_unix", "payload_1mb_vs_moleculer_unix", "fan_out_par100_2_unix", "fan_out_par100_5_unix", "fan_out_par100_20_unix", "fg_seq_direct_unix", "fg_par100_direct_unix", "stream_direct_unix", "payload_1mb_direct_unix", "payload_1mb_direct_heap64_unix", "fan_out_par100_direct_vs_raw_2_unix", "fan_out_par100_direct_vs_raw_20_unix", "fg_seq_intercepted_unix", "fg_seq_direct_intercepted_unix", "fg_seq_metrics_unix", "fg_seq_direct_metrics_unix", "fg_seq_nats", "fg_par100_nats", "payload_1mb_nats", "fan_out_par100_nats3_vs_controller_2"]),
    );
    // On a 3-server NATS cluster against the controller, in the same run, with as many providers on each side.
    expect(lines.find((line) => line.name === "fan_out_par100_nats3_vs_controller_2")).toMatchObject({ against: "controller" });
    // One no-op interceptor on each side against none: plain daffi's figure of the same run is the baseline.
    for (const name of ["fg_seq_intercepted_unix", "fg_seq_direct_intercepted_unix", "fg_seq_metrics_unix", "fg_seq_direct_metrics_unix"]) expect(lines.find((line) => line.name === name)).toMatchObject({ against: "daffi" });
    for (const line of lines.filter((l) => l.baseline !== undefined)) {
      expect(line.value).toBeGreaterThan(0);
      expect(line.ratio).toBeCloseTo((line.value as number) / (line.baseline as number), 5);
    }
    // The compared rows give the range of the single turns' ratios, which holds the ratio of the medians.
    for (const name of ["fg_seq_unix", "fg_seq_relay_unix", "fg_seq_vs_relay_unix", "fg_par100_unix", "stream_unix", "payload_1mb_unix", "fg_seq_direct_unix", "fg_par100_direct_unix", "stream_direct_unix", "payload_1mb_direct_unix", "payload_1mb_direct_heap64_unix", "fan_out_par100_direct_vs_raw_2_unix", "fan_out_par100_direct_vs_raw_20_unix", "fg_seq_nats", "fg_par100_nats", "payload_1mb_nats"]) {
      const line = lines.find((l) => l.name === name)!;
      const [low, high] = line.ratioRange as [number, number];
      expect(low).toBeLessThanOrEqual((line.ratio as number) + 1e-9);
      expect(high).toBeGreaterThanOrEqual((line.ratio as number) - 1e-9);
    }
    // The relay rows: the relay against raw, daffi against the relay.
    const row = (name: string) => lines.find((line) => line.name === name)!;
    expect(row("fg_seq_relay_unix")).toMatchObject({ subject: "relay", baseline: row("fg_seq_unix").baseline });
    expect(row("fg_seq_vs_relay_unix")).toMatchObject({ against: "relay", value: row("fg_seq_unix").value, baseline: row("fg_seq_relay_unix").value });
    // The peer, measured in the same run (Moleculer's TCP transporter): its figure is the baseline.
    // The bench refuses a figure unless both sides' calls had exactly that many providers (Moleculer: that answered).
    // The _direct rows also need the client to have had a direct link to every provider.
    const peerRows: Array<[string, number]> = [];
    for (const path of ["", "_direct"]) {
      peerRows.push([`fg_seq${path}_vs_moleculer`, 1], [`fg_par100${path}_vs_moleculer`, 1], [`payload_1mb${path}_vs_moleculer`, 1]);
      peerRows.push([`fan_out_par100${path}_2`, 2], [`fan_out_par100${path}_5`, 5], [`fan_out_par100${path}_20`, 20]);
    }
    for (const [name, providers] of peerRows) {
      const peer = row(`${name}_unix`);
      expect(peer).toMatchObject({ against: "moleculer", providers });
      expect(peer.baseline).toBeGreaterThan(0);
      const [low, high] = peer.ratioRange as [number, number];
      expect(low).toBeLessThanOrEqual((peer.ratio as number) + 1e-9);
      expect(high).toBeGreaterThanOrEqual((peer.ratio as number) - 1e-9);
    }
    // The CPU time of every process per call, on each side (the raw baseline has no broker).
    const cpu = (side: string) => lines.filter((line) => String(line.name).startsWith(`fg_seq_cpu_${side}_unix: `)).map((line) => String(line.name).split(": ")[1]);
    expect(cpu("daffi")).toEqual(["caller", "broker", "executor"]);
    expect(cpu("relay")).toEqual(["caller", "broker", "executor"]);
    expect(cpu("raw")).toEqual(["caller", "executor"]);
    for (const line of lines.filter((l) => String(l.name).startsWith("fg_seq_cpu_"))) expect(line.value).toBeGreaterThan(0);
    // The traced run lays out a call's path, hop by hop, on every side.
    const steps = (side: string) => lines.filter((line) => String(line.name).startsWith(`fg_seq_trace_${side}_unix: `)).map((line) => String(line.name).split(": ")[1]);
    expect(steps("daffi")).toEqual(["caller → controller", "controller", "controller → executor", "executor", "executor → controller", "controller", "controller → caller", "caller"]);
    expect(steps("relay")).toEqual(steps("daffi"));
    expect(steps("raw")).toEqual(["client → server", "server", "server → client", "client"]);
    for (const line of lines.filter((l) => String(l.name).startsWith("fg_seq_trace_"))) expect(line.value).toBeGreaterThan(0);
    expect(lines[lines.length - 1]).toMatchObject({ summary: true });
  }, 570_000);
});

describe("benchmarks, some rows", () => {
  it("--only measures just the rows it names, and leaves BENCHMARKS.md alone", async () => {
    const bench = Spawned.script("bench/run.js", {}, ["--quick", "--json", "--only", "^fg_seq_nats$"]);
    await bench.succeeds(120_000);
    const rows = bench.stdout.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.map((row) => row.name ?? "summary")).toEqual(["fg_seq_nats", "summary"]);
  }, 130_000);
});

describe("the fg_seq trace", () => {
  it("follows the usual path of a call through the marks of each process, skipping the odd call", () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "daffi-hops-"));
    const marks: Record<string, Array<[string, number]>> = { caller: [], controller: [], executor: [] };
    for (let call = 0; call < 5; call++) {
      const t = 1_000_000 + call * 1000; // microseconds
      marks.caller!.push(["encode", t], ["decode", t + 300 + call]);
      marks.controller!.push(["decode", t + 60], ["encode", t + 65], ["decode", t + 200], ["encode", t + 204]);
      marks.executor!.push(["decode", t + 110], ["encode", t + 120]);
      if (call === 2) marks.controller!.push(["encode", t + 500]); // a registry update: not a usual call
    }
    for (const [role, list] of Object.entries(marks)) {
      const sorted = list.sort((a, b) => a[1] - b[1]);
      fs.writeFileSync(path.join(folder, `${role}.json`), JSON.stringify({ role, tags: sorted.map((m) => m[0]), times: sorted.map((m) => m[1]) }));
    }
    const chain = hops(folder, "caller", 0);
    expect(chain.map((step) => [step.name, step.medianMicros])).toEqual([
      ["caller → controller", 60],
      ["controller", 5],
      ["controller → executor", 45],
      ["executor", 10],
      ["executor → controller", 80],
      ["controller", 4],
      ["controller → caller", 97],
      ["caller", 700 - 1],
    ]);
    expect(chain[0]!.count).toBe(3); // five calls: the last has no successor, the odd one is left out
  });
});
