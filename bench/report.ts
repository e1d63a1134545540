// The figures of a bench run: printed as a table or JSON lines, and written to BENCHMARKS.md.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type CpuPerCall, ROLES } from "./cpu";
import type { Segment } from "./trace/hops";

export interface Row {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  /**
   * The lowest and highest ratio of single turns: run i of daffi against run i of its baseline,
   * taken one after the other, so that both saw the machine in about the same state.
   */
  ratioRange?: [number, number];
  /** Whose figure `value` is when not daffi's: "relay" for the plain gRPC relay (bench/raw-relay.ts). */
  subject?: "relay";
  /** What `baseline` measures when not the raw gRPC baseline. */
  against?: "relay" | "moleculer" | "daffi" | "controller";
  /** Compared against the peer: the providers each side's calls went to (checked equal on both sides). */
  providers?: number;
}

/** A side of the fg_seq trace, and its title in BENCHMARKS.md. */
const SIDES = { daffi: "daffi", relay: "plain gRPC relay", raw: "raw gRPC" } as const;
export type Traces = Record<keyof typeof SIDES, Segment[]>;

const format = (value: number) => (value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toFixed(2));
const valueCell = (row: Row) => format(row.value) + (row.subject ? ` (${row.subject})` : "");
const baselineCell = (row: Row) => (row.baseline === undefined ? "" : format(row.baseline) + (row.against ? ` (${row.against})` : ""));
const rangeCell = (row: Row) => (row.ratioRange ? `${row.ratioRange[0].toFixed(2)}–${row.ratioRange[1].toFixed(2)}` : "");

export class Report {
  readonly rows: Row[] = [];
  /** One traced fg_seq run of each side per transport, hop by hop. */
  readonly traces = new Map<string, Traces>();

  /** The CPU time of each process per fg_seq call, and the time of a call (1 / rate), per transport, for each side. */
  readonly cpu = new Map<string, { cpu: Record<keyof typeof SIDES, CpuPerCall>; callMicros: Record<keyof typeof SIDES, number> }>();

  constructor(private readonly json: boolean) {}

  add(row: Row): void {
    this.rows.push(row);
    if (this.json) console.log(JSON.stringify(row));
    else {
      const range = row.ratioRange ? ` (turns ${rangeCell(row)})` : "";
      const baseline = row.baseline === undefined ? "" : `  ${row.against ?? "raw"} ${format(row.baseline)}  ratio ${row.ratio!.toFixed(2)}${range}`;
      console.log(`${row.name.padEnd(24)} ${valueCell(row).padStart(12)} ${row.unit.padEnd(26)}${baseline}`);
    }
  }

  addTrace(transport: string, trace: Traces): void {
    this.traces.set(transport, trace);
    for (const [side, segments] of Object.entries(trace)) {
      if (this.json) {
        for (const segment of segments) console.log(JSON.stringify({ name: `fg_seq_trace_${side}_${transport}: ${segment.name}`, value: segment.medianMicros, unit: "µs median" }));
      } else {
        console.log(`fg_seq trace ${transport} (${side}, median µs): ${segments.map((segment) => `${segment.name} ${segment.medianMicros.toFixed(1)}`).join(" | ")}`);
      }
    }
  }

  addCpu(transport: string, cpu: Record<keyof typeof SIDES, CpuPerCall>, callMicros: Record<keyof typeof SIDES, number>): void {
    this.cpu.set(transport, { cpu, callMicros });
    for (const [side, roles] of Object.entries(cpu)) {
      if (this.json) {
        for (const [role, micros] of Object.entries(roles)) console.log(JSON.stringify({ name: `fg_seq_cpu_${side}_${transport}: ${role}`, value: micros, unit: "µs CPU per call" }));
      } else {
        console.log(`fg_seq CPU per call ${transport} (${side}, µs): ${Object.entries(roles).map(([role, micros]) => `${role} ${micros.toFixed(1)}`).join(" | ")}`);
      }
    }
  }

  /** The last line: how many figures, and the geometric mean of daffi's ratios to the raw baseline. */
  summary(): void {
    const ratios = this.rows.filter((row) => row.ratio !== undefined && !row.subject && !row.against);
    const summary = { summary: true, rows: this.rows.length, geometricMeanRatio: Math.exp(ratios.reduce((sum, row) => sum + Math.log(row.ratio!), 0) / ratios.length) };
    console.log(this.json ? JSON.stringify(summary) : `summary: ${this.rows.length} figures, geometric mean of the ratios ${summary.geometricMeanRatio.toFixed(2)}`);
  }

  /** `<root>/BENCHMARKS.md`: the machine, the method, the table, the trace, then bench/NOTES.md. */
  write(root: string, method: string): void {
    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    const lines = [
      "# Benchmarks",
      "",
      `Measured with \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 1024 ** 3)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}.`,
      method,
      "",
      "| workload | daffi | unit | raw gRPC | ratio | ratio of single turns |",
      "|---|---:|---|---:|---:|---:|",
      ...this.rows.map((row) => `| ${row.name} | ${valueCell(row)} | ${row.unit} | ${baselineCell(row)} | ${row.ratio === undefined ? "" : row.ratio.toFixed(2)} | ${rangeCell(row)} |`),
      "",
      ...this.cpuLines(),
      ...this.traceLines(),
    ];
    const notes = path.join(root, "bench", "NOTES.md");
    if (fs.existsSync(notes)) lines.push(fs.readFileSync(notes, "utf8"));
    fs.writeFileSync(path.join(root, "BENCHMARKS.md"), lines.join("\n"));
  }

  private cpuLines(): string[] {
    if (this.cpu.size === 0) return [];
    const sides = Object.keys(SIDES) as Array<keyof typeof SIDES>;
    const cell = (micros: number | undefined) => (micros === undefined ? "" : micros.toFixed(1));
    const total = (roles: CpuPerCall) => Object.values(roles).reduce((sum, micros) => sum + micros, 0);
    return [
      "## CPU time of each process per fg_seq call",
      "",
      "From the same runs as the table (median of the runs): the CPU time each process used while the client measured (all its threads, user and kernel), divided by the calls.",
      "The broker is daffi's controller or the plain relay; the raw baseline has none, its server is the executor. The last line is the time of one call (one second divided by the calls per second of the table).",
      "",
      ...[...this.cpu].flatMap(([transport, { cpu, callMicros }]) => [
        `| µs per call (${transport}) | ${sides.map((side) => SIDES[side]).join(" | ")} |`,
        `|---|${sides.map(() => "---:").join("|")}|`,
        ...ROLES.map((role) => `| ${role} | ${sides.map((side) => cell(cpu[side][role])).join(" | ")} |`),
        `| **all processes** | ${sides.map((side) => `**${total(cpu[side]).toFixed(1)}**`).join(" | ")} |`,
        `| time of one call | ${sides.map((side) => callMicros[side].toFixed(1)).join(" | ")} |`,
        "",
      ]),
    ];
  }

  private traceLines(): string[] {
    if (this.traces.size === 0) return [];
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
      "One traced run of each side per transport (`bench/trace/`): every process marks, on the clock they all share, each gRPC message it encodes and decodes.",
      "A step between two processes is a hop (the sender's gRPC and HTTP/2 write, the kernel, waking the receiver, its HTTP/2 and gRPC read); a step inside one process is that process's own work for the call (decoding, routing or running, encoding).",
      "",
      ...[...this.traces].flatMap(([transport, trace]) => Object.entries(SIDES).flatMap(([side, title]) => table(`${title} step (${transport})`, trace[side as keyof Traces]))),
    ];
  }
}
