// The figures of a bench run: printed as a table or JSON lines, and written to BENCHMARKS.md.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Segment } from "./trace/hops";

export interface Row {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
}

const format = (value: number) => (value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toFixed(2));

export class Report {
  readonly rows: Row[] = [];
  /** One traced fg_seq run of each side per transport, hop by hop. */
  readonly traces = new Map<string, { daffi: Segment[]; raw: Segment[] }>();

  constructor(private readonly json: boolean) {}

  add(row: Row): void {
    this.rows.push(row);
    if (this.json) console.log(JSON.stringify(row));
    else {
      const baseline = row.baseline === undefined ? "" : `  raw ${format(row.baseline)}  ratio ${row.ratio!.toFixed(2)}`;
      console.log(`${row.name.padEnd(24)} ${format(row.value).padStart(12)} ${row.unit.padEnd(26)}${baseline}`);
    }
  }

  addTrace(transport: string, trace: { daffi: Segment[]; raw: Segment[] }): void {
    this.traces.set(transport, trace);
    for (const [side, segments] of Object.entries(trace)) {
      if (this.json) {
        for (const segment of segments) console.log(JSON.stringify({ name: `fg_seq_trace_${side}_${transport}: ${segment.name}`, value: segment.medianMicros, unit: "µs median" }));
      } else {
        console.log(`fg_seq trace ${transport} (${side}, median µs): ${segments.map((segment) => `${segment.name} ${segment.medianMicros.toFixed(1)}`).join(" | ")}`);
      }
    }
  }

  /** The last line: how many figures, and the geometric mean of the ratios. */
  summary(): void {
    const ratios = this.rows.filter((row) => row.ratio !== undefined);
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
      "| workload | daffi | unit | raw gRPC | ratio |",
      "|---|---:|---|---:|---:|",
      ...this.rows.map((row) => `| ${row.name} | ${format(row.value)} | ${row.unit} | ${row.baseline === undefined ? "" : format(row.baseline)} | ${row.ratio === undefined ? "" : row.ratio.toFixed(2)} |`),
      "",
      ...this.traceLines(),
    ];
    const notes = path.join(root, "bench", "NOTES.md");
    if (fs.existsSync(notes)) lines.push(fs.readFileSync(notes, "utf8"));
    fs.writeFileSync(path.join(root, "BENCHMARKS.md"), lines.join("\n"));
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
      ...[...this.traces].flatMap(([transport, trace]) => [...table(`daffi step (${transport})`, trace.daffi), ...table(`raw gRPC step (${transport})`, trace.raw)]),
    ];
  }
}
