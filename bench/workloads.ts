// The workloads, and the shape of a measurement; shared by the bench client and the orchestrator.

/** fg_seq_fetcher: fg_seq through a typed fetcher (validation and the contract check on the path); its baseline is raw fg_seq. */
/** fan_out_par100: fg_par100 over several providers of the callback (each call to one of them, at random). */
export const WORKLOADS = ["fg_seq", "fg_seq_fetcher", "fg_par100", "fan_out_par100", "stream", "payload_1mb", "broadcast3"] as const;
export type Workload = (typeof WORKLOADS)[number];

export interface Measurement {
  value: number;
  unit: string;
  /** The providers the calls could go to (daffi: the registry's; Moleculer: the servers that answered). */
  providers?: number;
  /** daffi: the providers it had a direct link to at the end (a _direct figure needs them all). */
  direct?: number;
  /** Steps measured by rate() (after its warm-up), and the CPU microseconds the client used for them. */
  steps?: number;
  cpuMicros?: number;
}

/** The small object of the echo workloads. */
export const SMALL = { id: 42, name: "widget", price: 9.99, tags: ["a", "b"], when: new Date(0) };

export const MIB = 1024 * 1024;

export const units: Record<Workload, string> = {
  fg_seq: "calls/s",
  fg_seq_fetcher: "calls/s",
  fg_par100: "calls/s",
  fan_out_par100: "calls/s",
  stream: "items/s",
  payload_1mb: "MB/s",
  broadcast3: "calls/s",
};

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** What the last rate() measured after its warm-up: steps, and the CPU microseconds of this process. */
export const spent = { steps: 0, cpuMicros: 0 };

/**
 * Runs `step` over and over for `seconds` (after a warm-up); returns how many steps per second.
 * Prints WARM when the warm-up ends, so that the bench can sample the other processes' CPU time.
 */
export async function rate(seconds: number, step: () => Promise<number>): Promise<number> {
  const warmUpEnd = Date.now() + Math.min(1500, seconds * 500); // the JIT of every process on the path
  while (Date.now() < warmUpEnd) await step();
  console.log("WARM");
  const cpu = process.cpuUsage();
  let count = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  while (performance.now() < end) count += await step();
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  spent.steps = count;
  spent.cpuMicros = used.user + used.system;
  return count / (elapsed / 1000);
}
