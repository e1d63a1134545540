// CPU time a process has used (all its threads), to tell each process's cost per call apart from
// the time a call spends waiting on the kernel and the scheduler.
import * as fs from "node:fs";

/** The processes of an fg_seq call: the caller, the broker in the middle (none in the raw baseline), the executor. */
export const ROLES = ["caller", "broker", "executor"] as const;
export type Role = (typeof ROLES)[number];
/** CPU microseconds per call, by role. */
export type CpuPerCall = Partial<Record<Role, number>>;
/** The process id playing each role of a system (the client, the caller, is not among them). */
export type RolePids = Partial<Record<Role, number>>;

/** CPU microseconds used so far by the threads `pid` has now (Linux /proc/<pid>/task/<tid>/schedstat, in ns); NaN elsewhere. */
export function cpuMicros(pid: number): number {
  try {
    let nanos = 0;
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) nanos += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    return nanos / 1000;
  } catch {
    return Number.NaN;
  }
}
