// Timestamps of a bench process's gRPC messages (encoded / decoded), on the clock all processes share.
// Off unless DAFFI_BENCH_TRACE names a folder; at exit the marks go to <folder>/<DAFFI_BENCH_ROLE>.json.
import * as fs from "node:fs";
import * as path from "node:path";

const folder = process.env.DAFFI_BENCH_TRACE;
const role = process.env.DAFFI_BENCH_ROLE ?? String(process.pid);
const tags: string[] = [];
const times: number[] = [];

export const tracing = folder !== undefined;

/** Records `tag` now (microseconds of the monotonic clock, the same in every process). */
export function mark(tag: "encode" | "decode"): void {
  if (times.length < 2_000_000) {
    tags.push(tag);
    times.push(Number(process.hrtime.bigint()) / 1000);
  }
}

/** A gRPC (de)serializer for raw Buffers that marks each message when tracing, and is the identity otherwise. */
export function marking(tag: "encode" | "decode"): (buffer: Buffer) => Buffer {
  return tracing ? (buffer) => (mark(tag), buffer) : (buffer) => buffer;
}

export interface Marks {
  role: string;
  tags: string[];
  times: number[];
}

if (folder !== undefined) {
  process.on("exit", () => fs.writeFileSync(path.join(folder, `${role}.json`), JSON.stringify({ role, tags, times } satisfies Marks)));
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.prependListener(signal, () => process.exit(0));
}
