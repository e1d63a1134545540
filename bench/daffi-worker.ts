// The daffi side's executing node: echo, a stream, and its own heap for the memory workload.
import { callback, Global } from "../runtime";
import { connection } from "../examples/connection";
import { benchOptions } from "./variants";

callback(function echo(value: unknown): unknown {
  return value;
});

callback(function* items(count: number): Generator<{ i: number }> {
  for (let i = 0; i < count; i++) yield { i };
});

callback(function heap(): number {
  return process.memoryUsage().heapUsed;
});

void Global.start({ processName: process.env.DAFFI_NAME, logLevel: "silent", ...benchOptions, ...connection() }).then(() => console.log("READY"));
