// Reads the marks of one traced fg_seq run and tells where a call spends its time: each hop
// (one process's encode to the next one's decode) and each process's own work (decode to encode).
import * as fs from "node:fs";
import * as path from "node:path";
import { median } from "../workloads";
import type { Marks } from "./marks";

export interface Segment {
  /** "caller → controller" for a hop, "controller" for the work inside one process. */
  name: string;
  medianMicros: number;
  count: number;
}

/**
 * The steps of a call that starts with `first`'s encode, in the order the call meets them; the
 * first `skipSeconds` of the run (warm-up) do not count.
 */
export function hops(folder: string, first: string, skipSeconds: number): Segment[] {
  const events: Array<{ role: string; tag: string; time: number }> = [];
  for (const file of fs.readdirSync(folder).filter((name) => name.endsWith(".json"))) {
    const marks = JSON.parse(fs.readFileSync(path.join(folder, file), "utf8")) as Marks;
    marks.times.forEach((time, i) => events.push({ role: marks.role, tag: marks.tags[i]!, time }));
  }
  events.sort((a, b) => a.time - b.time);
  const start = events.find((event) => event.role === first)?.time;
  if (start === undefined) return [];
  const window = events.filter((event) => event.time >= start + skipSeconds * 1e6);
  // Cut the run into calls, each from one caller's encode to the next; keep the calls that took
  // the usual path (the same sequence of marks), the others being interleaved with a registry
  // update or a heartbeat.
  const calls: Array<typeof events> = [];
  for (const event of window) {
    if (event.role === first && event.tag === "encode") calls.push([]);
    calls.at(-1)?.push(event);
  }
  const signature = (call: typeof events) => call.map((event) => `${event.role}.${event.tag}`).join(" ");
  const counts = new Map<string, number>();
  for (const call of calls.slice(0, -1)) counts.set(signature(call), (counts.get(signature(call)) ?? 0) + 1);
  const usual = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (usual === undefined) return [];
  const steps: number[][] = [];
  calls.forEach((call, i) => {
    const next = calls[i + 1];
    if (!next || signature(call) !== usual) return;
    [...call, next[0]!].forEach((event, j, sequence) => {
      if (j > 0) (steps[j - 1] ??= []).push(event.time - sequence[j - 1]!.time);
    });
  });
  const roles = usual.split(" ").map((mark) => mark.split(".")[0]!);
  roles.push(first);
  return steps.map((durations, j) => ({
    name: roles[j] === roles[j + 1] ? roles[j]! : `${roles[j]} → ${roles[j + 1]}`,
    medianMicros: median(durations),
    count: durations.length,
  }));
}
