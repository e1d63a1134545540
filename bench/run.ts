// `npm run bench [-- --quick] [-- --json]`: daffi against a raw @grpc/grpc-js baseline, measured in the same run.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { killAll, Spawned } from "../test/helpers/Spawned";
import { Report } from "./report";
import { DaffiSystem, RawServer, type Transport, using } from "./systems";
import { tracedFgSeq } from "./trace/tracedRun";
import { type Measurement, median, type Workload } from "./workloads";

const quick = process.argv.includes("--quick");
const seconds = quick ? 0.4 : 3;
const repetitions = quick ? 1 : 5;
const transports: Transport[] = quick ? ["unix"] : ["unix", "tcp"];
const report = new Report(process.argv.includes("--json"));

async function runOnce(script: string, args: string[], env: Record<string, string>): Promise<Measurement> {
  const child = Spawned.script(script, env, args);
  await child.succeeds(120_000);
  return JSON.parse(child.stdout.find((line) => line.startsWith("{"))!) as Measurement;
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

/**
 * One figure against the baseline: daffi and raw run in turns (daffi, raw, daffi, raw, …), each on
 * fresh processes, so that a slow spell of the machine or an unlucky placement weighs on both.
 * `watch` sees each daffi system before it stops. With `relay`, a plain gRPC relay (the same call
 * brokered by a process that only forwards bytes) takes its turn too: two more rows, the relay
 * against raw and daffi against the relay.
 */
async function compare(name: string, transport: Transport, workload: Workload, start: () => Promise<DaffiSystem>, options: { watch?: (system: DaffiSystem) => void; relay?: boolean } = {}): Promise<void> {
  const ours: number[] = [];
  const theirs: number[] = [];
  const relayed: number[] = [];
  const raw = (server: RawServer) => runOnce("bench/raw-client.js", [server.target, workload, String(seconds)], {});
  let unit = "";
  for (let i = 0; i < repetitions; i++) {
    const result = await using(start(), async (system) => {
      const measured = await runOnce("bench/daffi-client.js", [workload, String(seconds)], system.env);
      options.watch?.(system);
      return measured;
    });
    ours.push(result.value);
    unit = result.unit;
    theirs.push((await using(RawServer.start(transport), raw)).value);
    if (options.relay) relayed.push((await using(RawServer.relay(transport), raw)).value);
  }
  const value = median(ours);
  const baseline = median(theirs);
  report.add({ name, value, unit, baseline, ratio: value / baseline });
  if (!options.relay) return;
  const relay = median(relayed);
  report.add({ name: name.replace(workload, `${workload}_relay`), value: relay, unit, baseline, ratio: relay / baseline, subject: "relay" });
  report.add({ name: name.replace(workload, `${workload}_vs_relay`), value, unit, baseline: relay, ratio: value / relay, against: "relay" });
}

async function transportRun(transport: Transport): Promise<void> {
  const start = () => DaffiSystem.start(transport);
  for (const workload of ["fg_seq", "fg_par100", "stream", "payload_1mb"] as const) {
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
  const broadcast = await repeated(() =>
    using(DaffiSystem.start(transport, ["worker-1", "worker-2", "worker-3"]), (system) => runOnce("bench/daffi-client.js", ["broadcast3", String(seconds)], system.env)),
  );
  report.add({ name: `broadcast3_${transport}`, value: broadcast.value, unit: broadcast.unit });
  if (transport !== "unix") return;

  await compare("fg_seq_colocated_unix", "unix", "fg_seq", () => DaffiSystem.colocated());
  const slow = await using(start(), (system) => runOnce("bench/daffi-client.js", ["slow_consumer", String(quick ? 1 : 5)], system.env));
  report.add({ name: "producer_heap_slow_reader", value: slow.value, unit: slow.unit });
  // A controller and a node in one process, on a socket of its own.
  const startupController = await repeated(() => runOnce("bench/startup.js", ["controller"], { DAFFI_UNIX_SOCK_PATH: fs.mkdtempSync(path.join(os.tmpdir(), "daffi-bench-")) }));
  report.add({ name: "startup_controller_node", value: startupController.value, unit: "ms to ready" });
  const startupNode = await repeated(() => using(DaffiSystem.start("unix", []), (controllerOnly) => runOnce("bench/startup.js", ["node"], controllerOnly.env)));
  report.add({ name: "startup_node_joining", value: startupNode.value, unit: "ms to ready" });
}

async function main(): Promise<void> {
  if (!process.argv.includes("--json")) console.log(`daffi benchmarks (${quick ? "quick" : "full"}): ${transports.join(", ")}`);
  for (const transport of transports) await transportRun(transport);
  for (const transport of transports) report.addTrace(transport, await tracedFgSeq(transport, quick ? 1 : seconds));
  report.summary();
  if (!quick) {
    report.write(
      path.join(__dirname, "..", ".."),
      `Each figure is the median of ${repetitions} runs of ${seconds} s, each after its own warm-up and on freshly started processes; daffi and the baseline run in turns. The baseline is a plain @grpc/grpc-js bidirectional stream between two processes carrying the same cbor-x payloads, measured in the same run.`,
    );
  }
}

main().catch(async (error: unknown) => {
  console.error(error);
  await killAll();
  process.exitCode = 1;
});
