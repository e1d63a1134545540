// `npm run bench [-- --quick] [-- --json]`: daffi against a raw @grpc/grpc-js baseline, measured in the same run.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CLI, killAll, Spawned } from "../test/helpers/Spawned";
import type { Segment } from "./trace/hops";
import { tracedFgSeq } from "./trace/tracedRun";
import type { Measurement } from "./workloads";

const quick = process.argv.includes("--quick");
const json = process.argv.includes("--json");
const seconds = quick ? 0.4 : 3;
const repetitions = quick ? 1 : 5;
const transports = quick ? (["unix"] as const) : (["unix", "tcp"] as const);

interface Row {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
}
const rows: Row[] = [];

function report(row: Row): void {
  rows.push(row);
  if (json) console.log(JSON.stringify(row));
  else {
    const baseline = row.baseline === undefined ? "" : `  raw ${format(row.baseline)}  ratio ${row.ratio!.toFixed(2)}`;
    console.log(`${row.name.padEnd(24)} ${format(row.value).padStart(12)} ${row.unit.padEnd(26)}${baseline}`);
  }
}

const format = (value: number) => (value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toFixed(2));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function runOnce(script: string, args: string[], env: Record<string, string>): Promise<Measurement> {
  const child = Spawned.script(script, env, args);
  await child.succeeds(120_000);
  return JSON.parse(child.stdout.find((line) => line.startsWith("{"))!) as Measurement;
}

async function measure(script: string, args: string[], env: Record<string, string>): Promise<Measurement> {
  const values: number[] = [];
  let unit = "";
  for (let i = 0; i < repetitions; i++) {
    const result = await runOnce(script, args, env);
    values.push(result.value);
    unit = result.unit;
  }
  return { value: median(values), unit };
}

/**
 * daffi and the raw baseline, run in turns (daffi, raw, daffi, raw, …) so that a slow spell of the
 * machine weighs on both; in a full run one discarded turn first warms up the long-lived processes.
 */
async function compare(daffi: () => Promise<Measurement>, raw: () => Promise<Measurement>): Promise<{ daffi: Measurement; raw: Measurement }> {
  if (!quick) {
    await daffi();
    await raw();
  }
  const daffiValues: number[] = [];
  const rawValues: number[] = [];
  let unit = "";
  for (let i = 0; i < repetitions; i++) {
    const ours = await daffi();
    daffiValues.push(ours.value);
    unit = ours.unit;
    rawValues.push((await raw()).value);
  }
  return { daffi: { value: median(daffiValues), unit }, raw: { value: median(rawValues), unit } };
}

/** Peak resident memory of a process so far (Linux), MB. */
function peakRss(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return undefined;
  }
}

async function transportRun(transport: "unix" | "tcp"): Promise<void> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "daffi-bench-"));
  const controller =
    transport === "unix"
      ? new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder, "--quiet"])
      : new Spawned("controller", [CLI, "controller", "--host", "127.0.0.1", "--port", "0"]);
  let env: Record<string, string>;
  if (transport === "unix") {
    await new Promise((resolve) => setTimeout(resolve, 300));
    env = { DAFFI_UNIX_SOCK_PATH: folder };
  } else {
    const [, port] = await controller.waitForLine(/port: (\d+) \]/);
    env = { DAFFI_HOST: "127.0.0.1", DAFFI_PORT: port! };
  }
  const worker = Spawned.script("bench/daffi-worker.js", { ...env, DAFFI_NAME: "worker-1" });
  await worker.waitForLine(/^READY$/);
  const raw = Spawned.script("bench/raw-server.js", {}, [transport === "unix" ? `unix:${path.join(folder, "raw.sock")}` : "127.0.0.1:0"]);
  const [, rawPort] = await raw.waitForLine(/^READY (\d+)$/);
  const rawTarget = transport === "unix" ? `unix:${path.join(folder, "raw.sock")}` : `127.0.0.1:${rawPort}`;

  for (const workload of ["fg_seq", "fg_par100", "stream", "payload_1mb"] as const) {
    const { daffi, raw: baseline } = await compare(
      () => runOnce("bench/daffi-client.js", [workload, String(seconds)], env),
      () => runOnce("bench/raw-client.js", [rawTarget, workload, String(seconds)], {}),
    );
    report({ name: `${workload}_${transport}`, value: daffi.value, unit: daffi.unit, baseline: baseline.value, ratio: daffi.value / baseline.value });
    if (workload === "fg_par100") {
      report({ name: `rss_controller_${transport}`, value: peakRss(controller.pid) ?? Number.NaN, unit: "MB peak RSS (fg_par100)" });
      report({ name: `rss_node_${transport}`, value: peakRss(worker.pid) ?? Number.NaN, unit: "MB peak RSS (fg_par100)" });
    }
  }

  const others = ["worker-2", "worker-3"].map((name) => Spawned.script("bench/daffi-worker.js", { ...env, DAFFI_NAME: name }));
  await Promise.all(others.map((other) => other.waitForLine(/^READY$/)));
  const broadcast = await measure("bench/daffi-client.js", ["broadcast3", String(seconds)], env);
  report({ name: `broadcast3_${transport}`, value: broadcast.value, unit: broadcast.unit });
  for (const other of others) other.kill("SIGKILL");

  if (transport === "unix") {
    // The spec's common setup: the controller in the executing node's process (an in-memory link between them).
    const colocatedEnv = { DAFFI_UNIX_SOCK_PATH: fs.mkdtempSync(path.join(os.tmpdir(), "daffi-bench-")) };
    const colocated = Spawned.script("bench/colocated-worker.js", colocatedEnv);
    await colocated.waitForLine(/^READY$/);
    const { daffi, raw: baseline } = await compare(
      () => runOnce("bench/daffi-client.js", ["fg_seq", String(seconds)], colocatedEnv),
      () => runOnce("bench/raw-client.js", [rawTarget, "fg_seq", String(seconds)], {}),
    );
    report({ name: "fg_seq_colocated_unix", value: daffi.value, unit: daffi.unit, baseline: baseline.value, ratio: daffi.value / baseline.value });
    colocated.kill("SIGKILL");
    const slow = await runOnce("bench/daffi-client.js", ["slow_consumer", String(quick ? 1 : 5)], env);
    report({ name: "producer_heap_slow_reader", value: slow.value, unit: slow.unit });
    const startupController = await measure("bench/startup.js", ["controller"], { DAFFI_UNIX_SOCK_PATH: fs.mkdtempSync(path.join(os.tmpdir(), "daffi-bench-")) });
    report({ name: "startup_controller_node", value: startupController.value, unit: "ms to ready" });
    const startupNode = await measure("bench/startup.js", ["node"], env);
    report({ name: "startup_node_joining", value: startupNode.value, unit: "ms to ready" });
  }
  await killAll();
}

/** Where a call's time goes: one traced run of each side, hop by hop (medians, microseconds). */
let trace: { daffi: Segment[]; raw: Segment[] } | undefined;

function traceLines(): string[] {
  if (!trace) return [];
  const table = (title: string, segments: Segment[]) => [
    `| ${title} | median µs |`,
    "|---|---:|",
    ...segments.map((segment) => `| ${segment.name} | ${segment.medianMicros.toFixed(1)} |`),
    `| **one call** | **${segments.reduce((sum, segment) => sum + segment.medianMicros, 0).toFixed(1)}** |`,
    "",
  ];
  return [
    "## Where an fg_seq call spends its time",
    "",
    "One traced run of each side on the UNIX socket (`bench/trace/`): every process marks, on the clock they all share, each gRPC message it encodes and decodes.",
    "A step between two processes is a hop (the sender's gRPC and HTTP/2 write, the kernel, waking the receiver, its HTTP/2 and gRPC read); a step inside one process is that process's own work for the call (decoding, routing or running, encoding).",
    "",
    ...table("daffi step", trace.daffi),
    ...table("raw gRPC step", trace.raw),
  ];
}

async function traceRun(): Promise<void> {
  trace = await tracedFgSeq(quick ? 1 : seconds);
  for (const [side, segments] of Object.entries(trace)) {
    for (const segment of segments) {
      if (json) console.log(JSON.stringify({ name: `fg_seq_trace_${side}: ${segment.name}`, value: segment.medianMicros, unit: "µs median" }));
    }
    if (!json) console.log(`fg_seq trace (${side}, median µs): ${segments.map((segment) => `${segment.name} ${segment.medianMicros.toFixed(1)}`).join(" | ")}`);
  }
}

function writeReport(): void {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const lines = [
    "# Benchmarks",
    "",
    `Measured with \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 1024 ** 3)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}.`,
    `Each figure is the median of ${repetitions} runs of ${seconds} s (each after its own warm-up); daffi and the baseline run in turns, after one discarded turn that warms up the long-lived processes. The baseline is a plain @grpc/grpc-js bidirectional stream between two processes carrying the same cbor-x payloads, measured in the same run.`,
    "",
    "| workload | daffi | unit | raw gRPC | ratio |",
    "|---|---:|---|---:|---:|",
    ...rows.map((row) => `| ${row.name} | ${format(row.value)} | ${row.unit} | ${row.baseline === undefined ? "" : format(row.baseline)} | ${row.ratio === undefined ? "" : row.ratio.toFixed(2)} |`),
    "",
  ];
  lines.push(...traceLines());
  const notes = path.join(__dirname, "..", "..", "bench", "NOTES.md");
  if (fs.existsSync(notes)) lines.push(fs.readFileSync(notes, "utf8"));
  fs.writeFileSync(path.join(__dirname, "..", "..", "BENCHMARKS.md"), lines.join("\n"));
}

async function main(): Promise<void> {
  if (!json) console.log(`daffi benchmarks (${quick ? "quick" : "full"}): ${transports.join(", ")}`);
  for (const transport of transports) await transportRun(transport);
  await traceRun();
  const ratios = rows.filter((row) => row.ratio !== undefined);
  const summary = { summary: true, rows: rows.length, geometricMeanRatio: Math.exp(ratios.reduce((sum, row) => sum + Math.log(row.ratio!), 0) / ratios.length) };
  console.log(json ? JSON.stringify(summary) : `summary: ${rows.length} figures, geometric mean of the ratios ${summary.geometricMeanRatio.toFixed(2)}`);
  if (!quick) writeReport();
}

main().catch(async (error: unknown) => {
  console.error(error);
  await killAll();
  process.exitCode = 1;
});
