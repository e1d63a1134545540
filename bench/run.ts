// `npm run bench [-- --quick] [-- --json]`: daffi against a raw @grpc/grpc-js baseline, measured in the same run.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { killAll, Spawned } from "../test/helpers/Spawned";
import { type CpuPerCall, cpuMicros, type Role, type RolePids, ROLES } from "./cpu";
import { Report } from "./report";
import { DaffiSystem, MoleculerPeer, RawServer, SIZED_HEAP, type Transport, using } from "./systems";
import { tracedFgSeq } from "./trace/tracedRun";
import { type Measurement, median, units, type Workload } from "./workloads";

const quick = process.argv.includes("--quick");
const seconds = quick ? 0.4 : 3;
const repetitions = quick ? 1 : 5;
const transports: Transport[] = quick ? ["unix"] : ["unix", "tcp"];
const report = new Report(process.argv.includes("--json"));
/** `--only <regex>`: measures only the rows whose name matches (BENCHMARKS.md is then left as it is). */
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt >= 0 ? new RegExp(process.argv[onlyAt + 1] ?? "") : undefined;
const wanted = (name: string) => !only || only.test(name);

/**
 * A client's run. With `roles`, also the CPU time each process used per step while the client
 * measured: the client counts its own, the others' is read when its warm-up ends and when it reports.
 */
async function runClient(script: string, args: string[], env: Record<string, string>, roles?: RolePids, nodeArgs: string[] = []): Promise<{ measurement: Measurement; cpu?: CpuPerCall }> {
  const usage = (pids: RolePids) => Object.fromEntries(Object.entries(pids).map(([role, pid]) => [role, cpuMicros(pid)])) as CpuPerCall;
  const child = Spawned.script(script, env, args, nodeArgs);
  let before: CpuPerCall | undefined;
  let after: CpuPerCall | undefined;
  if (roles) {
    await child.waitForLine(/^WARM$/, 60_000);
    before = usage(roles);
    await child.waitForLine(/^\{/, 60_000);
    after = usage(roles);
  }
  await child.succeeds(120_000);
  const measurement = JSON.parse(child.stdout.find((line) => line.startsWith("{"))!) as Measurement;
  if (!before || !after) return { measurement };
  const steps = measurement.steps!;
  const cpu: CpuPerCall = { caller: measurement.cpuMicros! / steps };
  for (const role of Object.keys(before) as Role[]) cpu[role] = (after[role]! - before[role]!) / steps;
  return { measurement, cpu };
}

async function runOnce(script: string, args: string[], env: Record<string, string>): Promise<Measurement> {
  return (await runClient(script, args, env)).measurement;
}

/** Peak resident memory of a process so far (Linux), MB. */
function peakRss(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** `measure` run `repetitions` times; the median. */
async function repeated(measure: () => Promise<Measurement>): Promise<Measurement> {
  const values: number[] = [];
  let unit = "";
  for (let i = 0; i < repetitions; i++) {
    const result = await measure();
    values.push(result.value);
    unit = result.unit;
  }
  return { value: median(values), unit };
}

/** Role by role, the median of the runs. */
function medianCpu(runs: CpuPerCall[]): CpuPerCall {
  const result: CpuPerCall = {};
  for (const role of ROLES) {
    const values = runs.map((run) => run[role]).filter((value): value is number => value !== undefined);
    if (values.length > 0) result[role] = median(values);
  }
  return result;
}

/**
 * One figure against the baseline: daffi and raw run in turns (daffi, raw, daffi, raw, …), each on
 * fresh processes, so that a slow spell of the machine or an unlucky placement weighs on both.
 * `watch` sees each daffi system before it stops. With `relay`, a plain gRPC relay (the same call
 * brokered by a process that only forwards bytes) takes its turn too, giving two more rows (the
 * relay against raw, daffi against the relay), and every process's CPU time per call is reported.
 */
/** A _direct figure only when every call could take a direct link: the client had one to each provider. */
function directOnly<T extends Measurement>(name: string, measurement: T): T {
  if (measurement.direct !== measurement.providers) throw new Error(`${name}: the client had direct links to ${measurement.direct} of ${measurement.providers} providers`);
  return measurement;
}

/** Like for like, or no figure: a side's calls had exactly `providers` processes to go to. */
function withProviders<T extends Measurement>(name: string, side: string, measurement: T, providers: number): T {
  if (measurement.providers !== providers) throw new Error(`${name}: ${side} had ${measurement.providers} providers, not ${providers}`);
  return measurement;
}

/** The executing nodes' names of a system with `count` providers. */
const workerNames = (count: number) => Array.from({ length: count }, (_, i) => `worker-${i + 1}`);

async function compare(
  name: string,
  transport: Transport,
  workload: Workload,
  start: () => Promise<DaffiSystem>,
  options: { watch?: (system: DaffiSystem) => void; relay?: boolean; direct?: boolean; providers?: number; nodeArgs?: string[] } = {},
): Promise<void> {
  if (!wanted(name)) return;
  const args = [workload, String(seconds)];
  const counting = options.relay === true;
  const { nodeArgs = [] } = options;
  const sides = {
    daffi: () =>
      using(start(), async (system) => {
        const result = await runClient("bench/daffi-client.js", args, system.env, counting ? system.roles : undefined, nodeArgs);
        if (options.direct) directOnly(name, result.measurement);
        if (options.providers) withProviders(name, "daffi", result.measurement, options.providers);
        options.watch?.(system);
        return result;
      }),
    raw: () =>
      using(options.providers ? RawServer.many(transport, options.providers) : RawServer.start(transport, undefined, nodeArgs), async (server) => {
        const result = await runClient("bench/raw-client.js", [server.target, ...args], {}, counting ? server.roles : undefined, nodeArgs);
        if (options.providers) withProviders(name, "raw", result.measurement, options.providers);
        return result;
      }),
    relay: () => using(RawServer.relay(transport), (server) => runClient("bench/raw-client.js", [server.target, ...args], {}, server.roles)),
  };
  const turns = (counting ? ["daffi", "raw", "relay"] : ["daffi", "raw"]) as Array<keyof typeof sides>;
  const results = { daffi: [], raw: [], relay: [] } as Record<keyof typeof sides, Array<{ measurement: Measurement; cpu?: CpuPerCall }>>;
  for (let i = 0; i < repetitions; i++) for (const side of turns) results[side].push(await sides[side]());
  const medianOf = (side: keyof typeof sides) => median(results[side].map((result) => result.measurement.value));
  // Turn by turn: run i of one side against run i of the other.
  const rangeOf = (side: keyof typeof sides, against: keyof typeof sides): [number, number] => {
    const ratios = results[side].map((result, i) => result.measurement.value / results[against][i]!.measurement.value);
    return [Math.min(...ratios), Math.max(...ratios)];
  };
  const cpuOf = (side: keyof typeof sides) => medianCpu(results[side].map((result) => result.cpu!));
  const unit = results.daffi[0]!.measurement.unit;
  const value = medianOf("daffi");
  const baseline = medianOf("raw");
  report.add({ name, value, unit, baseline, ratio: value / baseline, ratioRange: rangeOf("daffi", "raw") });
  if (!counting) return;
  const relay = medianOf("relay");
  report.add({ name: name.replace(workload, `${workload}_relay`), value: relay, unit, baseline, ratio: relay / baseline, ratioRange: rangeOf("relay", "raw"), subject: "relay" });
  report.add({ name: name.replace(workload, `${workload}_vs_relay`), value, unit, baseline: relay, ratio: value / relay, ratioRange: rangeOf("daffi", "relay"), against: "relay" });
  report.addCpu(transport, { daffi: cpuOf("daffi"), relay: cpuOf("relay"), raw: cpuOf("raw") }, { daffi: 1e6 / value, relay: 1e6 / relay, raw: 1e6 / baseline });
}

/**
 * daffi against the peer a user compares it with, Moleculer (TCP transporter, one hop), in turns
 * like the baseline: the row's baseline is Moleculer's figure of the same run.
 */
async function comparePeer(transport: Transport, workload: "fg_seq" | "fg_par100" | "payload_1mb" | "fan_out_par100", providers = 1, direct = false): Promise<void> {
  const path = direct ? "_direct" : "";
  const name = workload === "fan_out_par100" ? `fan_out_par100${path}_${providers}_${transport}` : `${workload}${path}_vs_moleculer_${transport}`;
  if (!wanted(name)) return;
  const args = [workload, String(seconds)];
  const workers = workerNames(providers);
  const daffi: number[] = [];
  const moleculer: number[] = [];
  const counted = (side: string, measurement: Measurement): number => withProviders(workload, side, measurement, providers).value;
  for (let i = 0; i < repetitions; i++) {
    const measured = await using(DaffiSystem.start(transport, workers, undefined, direct), (system) => runOnce("bench/daffi-client.js", args, system.env));
    daffi.push(counted("daffi", direct ? directOnly(`${workload} direct`, measured) : measured));
    moleculer.push(counted("Moleculer", await using(MoleculerPeer.start(providers), (peer) => runOnce("bench/peers/moleculer.js", [...peer.clientArgs, ...args], {}))));
  }
  const ratios = daffi.map((value, i) => value / moleculer[i]!);
  const value = median(daffi);
  const baseline = median(moleculer);
  report.add({ name, value, unit: units[workload], baseline, ratio: value / baseline, ratioRange: [Math.min(...ratios), Math.max(...ratios)], against: "moleculer", providers });
}

/**
 * A daffi variant against plain daffi, in turns on fresh systems: the row's baseline is daffi's
 * own figure of the same run (e.g. fg_seq with a no-op interceptor on each side against none, or
 * on NATS against the controller, `against: "controller"`). With `providers`, each side's calls
 * must have had that many providers.
 */
async function compareVariant(
  name: string,
  workload: Workload,
  plain: () => Promise<DaffiSystem>,
  variant: () => Promise<DaffiSystem>,
  options: { against?: "daffi" | "controller"; providers?: number } = {},
): Promise<void> {
  if (!wanted(name)) return;
  const args = [workload, String(seconds)];
  const values = { plain: [] as number[], variant: [] as number[] };
  const run = async (side: string, start: () => Promise<DaffiSystem>) => {
    const measured = await using(start(), (system) => runOnce("bench/daffi-client.js", args, system.env));
    return (options.providers ? withProviders(name, side, measured, options.providers) : measured).value;
  };
  // In turns, the one that goes first alternating: whatever favours the first (or second) run of a pair weighs on both sides alike.
  for (let i = 0; i < repetitions; i++) {
    if (i % 2 === 0) {
      values.variant.push(await run("the variant", variant));
      values.plain.push(await run("plain daffi", plain));
    } else {
      values.plain.push(await run("plain daffi", plain));
      values.variant.push(await run("the variant", variant));
    }
  }
  const ratios = values.variant.map((value, i) => value / values.plain[i]!);
  const value = median(values.variant);
  const baseline = median(values.plain);
  report.add({ name, value, unit: units[workload], baseline, ratio: value / baseline, ratioRange: [Math.min(...ratios), Math.max(...ratios)], against: options.against ?? "daffi" });
}

async function transportRun(transport: Transport): Promise<void> {
  const start = () => DaffiSystem.start(transport);
  for (const workload of ["fg_seq", "fg_par100", "stream", "payload_1mb"] as const) {
    if (!wanted(`${workload}_${transport}`)) continue;
    const rss = { controller: [] as number[], node: [] as number[] };
    await compare(`${workload}_${transport}`, transport, workload, start, {
      relay: workload === "fg_seq",
      watch: (system) => {
        rss.controller.push(peakRss(system.controller.pid));
        rss.node.push(peakRss(system.workers[0]!.pid));
      },
    });
    if (workload === "fg_par100") {
      report.add({ name: `rss_controller_${transport}`, value: Math.max(...rss.controller), unit: "MB peak RSS (fg_par100)" });
      report.add({ name: `rss_node_${transport}`, value: Math.max(...rss.node), unit: "MB peak RSS (fg_par100)" });
    }
  }
  // The same calls on direct links (one hop): the controller only tells who serves what.
  const startDirect = () => DaffiSystem.start(transport, undefined, undefined, true);
  for (const workload of ["fg_seq", "fg_par100", "stream", "payload_1mb"] as const) await compare(`${workload}_direct_${transport}`, transport, workload, startDirect, { direct: true });
  // 1 MiB calls with every process (daffi's and the baseline's) started with a 64 MB first old generation: like for like in V8's collector.
  const startSized = () => DaffiSystem.start(transport, undefined, undefined, true, undefined, SIZED_HEAP);
  await compare(`payload_1mb_direct_heap64_${transport}`, transport, "payload_1mb", startSized, { direct: true, nodeArgs: SIZED_HEAP });
  for (const direct of [false, true]) for (const workload of ["fg_seq", "fg_par100", "payload_1mb"] as const) await comparePeer(transport, workload, 1, direct);
  // 100 calls in flight spread over N providers (brokered and direct), against Moleculer with as many server nodes.
  for (const direct of [false, true]) for (const providers of [2, 5, 20]) await comparePeer(transport, "fan_out_par100", providers, direct);
  // The same fan-out in raw gRPC (one stream to each of N servers): what the machine allows with N processes.
  for (const providers of [2, 20]) {
    await compare(`fan_out_par100_direct_vs_raw_${providers}_${transport}`, transport, "fan_out_par100", () => DaffiSystem.start(transport, workerNames(providers), undefined, true), { direct: true, providers });
  }
  // One no-op interceptor on each side, against none (issue 18: within 5 %); metrics on, against off (issue 20: within 5 %).
  for (const variant of ["intercepted", "metrics"] as const) {
    for (const direct of [false, true]) {
      await compareVariant(`fg_seq${direct ? "_direct" : ""}_${variant}_${transport}`, "fg_seq", () => DaffiSystem.start(transport, undefined, undefined, direct), () =>
        DaffiSystem.start(transport, undefined, undefined, direct, variant),
      );
    }
  }
  await miscRows(transport);
}

/** The spec's colocated setup and the typed fetcher (unix), then figures of daffi alone (no baseline): broadcast, memory, start-up. */
async function miscRows(transport: Transport): Promise<void> {
  const start = () => DaffiSystem.start(transport);
  if (transport === "unix") {
    await compare("fg_seq_colocated_unix", "unix", "fg_seq", () => DaffiSystem.colocated());
    await compare("fg_seq_fetcher_unix", "unix", "fg_seq_fetcher", start);
  }
  if (only) return;
  const broadcast = await repeated(() =>
    using(DaffiSystem.start(transport, ["worker-1", "worker-2", "worker-3"]), (system) => runOnce("bench/daffi-client.js", ["broadcast3", String(seconds)], system.env)),
  );
  report.add({ name: `broadcast3_${transport}`, value: broadcast.value, unit: broadcast.unit });
  if (transport !== "unix") return;
  const slow = await using(start(), (system) => runOnce("bench/daffi-client.js", ["slow_consumer", String(quick ? 1 : 5)], system.env));
  report.add({ name: "producer_heap_slow_reader", value: slow.value, unit: slow.unit });
  // A controller and a node in one process, on a socket of its own.
  const startupController = await repeated(() => runOnce("bench/startup.js", ["controller"], { DAFFI_UNIX_SOCK_PATH: fs.mkdtempSync(path.join(os.tmpdir(), "daffi-bench-")) }));
  report.add({ name: "startup_controller_node", value: startupController.value, unit: "ms to ready" });
  const startupNode = await repeated(() => using(DaffiSystem.start("unix", []), (controllerOnly) => runOnce("bench/startup.js", ["node"], controllerOnly.env)));
  report.add({ name: "startup_node_joining", value: startupNode.value, unit: "ms to ready" });
}

/**
 * daffi on NATS (TCP to a local nats-server): the calls against raw gRPC over TCP, and the fan-out
 * over 2, 4 and 8 providers on a 3-server NATS cluster against the same through a controller (TCP,
 * every call brokered: the controller is the single process on the path that NATS replaces).
 */
async function natsRun(): Promise<void> {
  for (const workload of ["fg_seq", "fg_par100", "payload_1mb"] as const) await compare(`${workload}_nats`, "tcp", workload, () => DaffiSystem.nats());
  for (const providers of quick ? [2] : [2, 4, 8]) {
    await compareVariant(`fan_out_par100_nats3_vs_controller_${providers}`, "fan_out_par100", () => DaffiSystem.start("tcp", workerNames(providers)), () => DaffiSystem.nats(workerNames(providers), 3), {
      against: "controller",
      providers,
    });
  }
}

async function main(): Promise<void> {
  if (!process.argv.includes("--json")) console.log(`daffi benchmarks (${quick ? "quick" : "full"}): ${transports.join(", ")}${only ? ` (only ${only.source})` : ""}`);
  for (const transport of transports) await transportRun(transport);
  if (!process.argv.includes("--no-nats")) await natsRun();
  if (!only) for (const transport of transports) report.addTrace(transport, await tracedFgSeq(transport, quick ? 1 : seconds));
  report.summary();
  if (!quick && !only) {
    report.write(
      path.join(__dirname, "..", ".."),
      `Each figure is the median of ${repetitions} runs of ${seconds} s, each after its own warm-up and on freshly started processes; daffi and the baseline run in turns. The baseline is a plain @grpc/grpc-js bidirectional stream between two processes carrying the same cbor-x payloads, measured in the same run. For fg_seq a plain gRPC relay takes its turn too: the same call through a third process that forwards the messages without reading them (bench/raw-relay.ts); its rows are marked (relay).`,
    );
  }
}

main().catch(async (error: unknown) => {
  console.error(error);
  await killAll();
  process.exitCode = 1;
});
