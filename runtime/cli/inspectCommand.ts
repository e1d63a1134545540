// `daffi inspect`: the running system — its processes, their callbacks with signatures, calls in flight, rates, errors by code, the calls between them — once, or refreshed (--watch).
import { setTimeout as sleep } from "node:timers/promises";
import { type Global, nodeOf } from "../global/Global";
import { SystemView, type Topology } from "../observe/SystemView";
import { connectionHelp, connectionOf, connectionOptions, connectionUsage, NATS_DISCOVERY_SECONDS } from "./connectionFlags";
import { output, watchOutput, write } from "./output";
import { commandLine, seconds } from "./parseCommandLine";
import { UsageError } from "./UsageError";
import { safeJson } from "./jsonForm";
import { topologyText } from "./topologyText";
import { withGlobal } from "./withGlobal";

export const inspectUsage = `usage: daffi inspect [--json] [--watch] [--interval SECONDS]
                     ${connectionUsage("                     ")}

Shows a running system: its processes, each one's callbacks with their signatures (known for processes
compiled with the transformer), calls in flight and queued, calls, calls per second, mean time and errors
by code, and the calls between processes. Rates count between two samples --interval seconds apart (default 1).
--json: each sample as one line of JSON. --watch: a new sample every --interval seconds until SIGINT or SIGTERM
(on a terminal the screen is redrawn; elsewhere the samples follow each other, a blank line between).
Under a controller's auth the identity needs __daffi.stats in its call rules (a signature: the right to call
its callback); a process that refuses is shown with its error.
${connectionHelp}`;

const options = {
  json: { type: "boolean", default: false },
  watch: { type: "boolean", default: false },
  interval: { type: "string" },
  ...connectionOptions,
  help: { type: "boolean", short: "h", default: false },
} as const;

/** Seconds between two samples unless --interval says; what it may say. */
const INTERVAL_SECONDS = 1;
const MIN_INTERVAL_SECONDS = 0.1;
const MAX_INTERVAL_SECONDS = 3600;
/** Through a controller the registry comes right after the welcome: this long at the most for it to name a process. */
const REGISTRY_SECONDS = 1;
/** Clears a terminal and puts the cursor home (--watch on a TTY). */
const CLEAR_SCREEN = "\u001b[H\u001b[2J";

/** Resolves with the exit code: 0 once printed (--watch: once stopped by a signal), 1 when the system could not be reached. */
export async function inspectCommand(argv: string[]): Promise<number> {
  const line = commandLine("inspect", argv, options, inspectUsage);
  if (!line) return 0; // --help
  const { values } = line;
  const interval = seconds("inspect", "interval", values.interval as string | undefined, inspectUsage) ?? INTERVAL_SECONDS;
  if (interval < MIN_INTERVAL_SECONDS || interval > MAX_INTERVAL_SECONDS) {
    throw new UsageError(`daffi inspect: --interval must be from ${MIN_INTERVAL_SECONDS} to ${MAX_INTERVAL_SECONDS} seconds, got ${interval}`, inspectUsage);
  }
  const connection = connectionOf("inspect", values, inspectUsage);
  const watch = values.watch === true;
  const json = values.json === true;
  watchOutput();
  // In before the start: a signal at any time ends the watch with exit code 0.
  const stop = new AbortController();
  let started = () => undefined as unknown;
  if (watch) {
    let connected = false;
    const onSignal = () => {
      // Still connecting: nothing to stop but the start itself, which cannot be taken back — the watch ends now, as asked.
      if (!connected) process.exit(0);
      stop.abort();
    };
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, onSignal);
    started = () => (connected = true);
  }
  output.once("closed", () => stop.abort());
  return withGlobal(connection, async (g) => {
    started();
    const view = new SystemView(g, nodeOf(g)!, new Set([g.processName]));
    await untilStopped(discovered(g, connection.onNats), stop.signal);
    await untilStopped(view.sample(), stop.signal);
    for (let count = 0; !stop.signal.aborted; count++) {
      await untilStopped(sleep(interval * 1000, undefined, { signal: stop.signal }), stop.signal);
      if (stop.signal.aborted) break;
      const topology = await untilStopped(view.sample(), stop.signal);
      if (topology === undefined) break;
      write(shown(topology, json, watch, count));
      if (!watch) break;
    }
    return 0;
  });
}

/** One sample as printed: JSON on one line, or the text, redrawn on a terminal or after a blank line. */
function shown(topology: Topology, json: boolean, watch: boolean, count: number): string {
  if (json) return `${safeJson(JSON.stringify(topology))}\n`;
  const text = topologyText(topology);
  if (!watch) return text;
  if (process.stdout.isTTY) return CLEAR_SCREEN + text;
  return count === 0 ? text : `\n${text}`;
}

/** Waits until the others are known: on NATS their announcements, through a controller its registry naming one. */
async function discovered(g: Global, onNats: boolean): Promise<void> {
  if (onNats) return void (await sleep(NATS_DISCOVERY_SECONDS * 1000));
  const { registry } = nodeOf(g)!;
  await registry.waitUntil(() => registry.processNames().some((name) => name !== g.processName), "another process", REGISTRY_SECONDS).catch(() => undefined);
}

/** The promise's value, or undefined as soon as `signal` aborts (what it does then is not waited for, nor its failure seen). */
function untilStopped<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.resolve(undefined);
  }
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener("abort", onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener("abort", onAbort), signal.aborted ? resolve(undefined) : reject(error)),
    );
  });
}
