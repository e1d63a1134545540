// A sample of the running system (SystemView's Topology) as `daffi inspect` prints it: per process a table of its callbacks, then the edges.
import { escapeLine } from "../log/Logger";
import type { CallbackView, EdgeView, ProcessView, Topology } from "../observe/SystemView";

/** Longest signature a table shows (longer ones end in "…"; --json has them whole). */
const MAX_SIGNATURE = 72;

const HEADER = ["callback", "signature", "in flight", "queued", "calls", "calls/s", "mean ms", "errors"];
/** The columns aligned right (numbers). */
const NUMERIC = new Set([2, 3, 4, 5, 6]);

/** The lines of one sample, each ending in "\n". Names, signatures and errors came from the wire: control characters are escaped. */
export function topologyText(topology: Topology): string {
  const lines = [summary(topology)];
  if (topology.processes.length === 0) lines.push("", "no process is connected");
  // Pushed one by one: a spread of a long list would pass its length as arguments (and overflow the stack).
  for (const process of topology.processes) {
    lines.push("");
    for (const line of processLines(process)) lines.push(line);
  }
  lines.push("");
  for (const line of edgeLines(topology.edges)) lines.push(line);
  return `${lines.join("\n")}\n`;
}

function summary(topology: Topology): string {
  const { processes, edges } = topology;
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const silent = processes.filter((process) => !process.answered).length;
  const errors = errorsText(topology.errors);
  const parts = [count(processes.length, "process", "processes"), count(edges.length, "edge", "edges"), `errors: ${errors === "-" ? "none" : errors}`];
  if (silent > 0) parts.push(`${silent} did not answer`);
  return `${new Date(topology.at).toISOString()}  ${parts.join(", ")}`;
}

function processLines(process: ProcessView): string[] {
  const head = `${escapeLine(process.name)}${process.controller ? " (controller)" : ""}`;
  const lines = [process.answered ? head : `${head}  did not answer: ${escapeLine(process.error ?? "no reason given")}`];
  if (process.callbacks.length === 0) return [...lines, "  no callbacks"];
  const rows = process.callbacks.map((callback) => callbackRow(callback, process.answered));
  return [...lines, ...table([HEADER, ...rows]).map((line) => `  ${line}`)];
}

/** A callback's cells; its figures are "-" when its process did not answer. */
function callbackRow(callback: CallbackView, answered: boolean): string[] {
  const signature = callback.signature === undefined ? "-" : cut(withoutName(callback.name, escapeLine(callback.signature)), MAX_SIGNATURE);
  if (!answered) return [escapeLine(callback.name), signature, "-", "-", "-", "-", "-", "-"];
  return [
    escapeLine(callback.name),
    signature,
    String(callback.inFlight),
    String(callback.queued),
    String(callback.calls),
    callback.rate.toFixed(1),
    callback.meanMs === undefined ? "-" : callback.meanMs.toFixed(callback.meanMs < 10 ? 2 : 1),
    errorsText(callback.errors),
  ];
}

function edgeLines(edges: EdgeView[]): string[] {
  if (edges.length === 0) return ["edges: none yet"];
  const from = edges.map((edge) => escapeLine(edge.from));
  const width = from.reduce((widest, name) => Math.max(widest, [...name].length), 0);
  const rows = edges.map((edge, i) => [`${pad(from[i]!, width, "end")} → ${escapeLine(edge.to)}`, `${edge.calls} ${edge.calls === 1 ? "call" : "calls"}`, `${edge.rate.toFixed(1)}/s`]);
  return ["edges", ...table(rows, new Set([1, 2]), false).map((line) => `  ${line}`)];
}

/** "REMOTE×2 TIMEOUT×1", by code; "-" for none. */
function errorsText(errors: Record<string, number>): string {
  const entries = Object.entries(errors).filter(([, count]) => count > 0);
  if (entries.length === 0) return "-";
  return entries
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, count]) => `${escapeLine(code)}×${count}`)
    .join(" ");
}

/** Rows with their columns aligned (two spaces between), trailing spaces trimmed; the first row is a header unless `header` is false. */
function table(rows: string[][], numeric: ReadonlySet<number> = NUMERIC, header = true): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows.map((row, r) =>
    row
      .map((cell, i) => (numeric.has(i) && (r > 0 || !header) ? pad(cell, widths[i]!, "start") : pad(cell, widths[i]!, "end")))
      .join("  ")
      .trimEnd(),
  );
}

function pad(cell: string, width: number, side: "start" | "end"): string {
  const fill = " ".repeat(Math.max(0, width - [...cell].length));
  return side === "start" ? fill + cell : cell + fill;
}

/** "add(a: number, b: number): number" → "(a: number, b: number): number" (overloads: each part), the name being in its own column. */
function withoutName(name: string, signature: string): string {
  const own = escapeLine(name);
  if (!signature.startsWith(`${own}(`)) return signature;
  return signature
    .split(`; ${own}(`)
    .map((part, i) => (i === 0 ? part.slice(own.length) : `(${part}`))
    .join("; ");
}

function cut(text: string, most: number): string {
  const chars = [...text];
  return chars.length <= most ? text : `${chars.slice(0, most - 1).join("")}…`;
}
