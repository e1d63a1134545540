// `handleSignals: true`: one handler for the process, whatever the number of Globals that asked for it.
// SIGINT/SIGTERM stop every one of them; the process exits 0 once all have stopped (a second signal: at once).
import type { Logger } from "../log/Logger";

interface Stoppable {
  stop(): Promise<void>;
  readonly signalLog: Logger;
}

const handling = new Set<Stoppable>();
let signalled = false;

function onSignal(signal: NodeJS.Signals): void {
  if (signalled) {
    for (const g of handling) g.signalLog.warn(`${signal} again: exiting now`);
    process.exit(signal === "SIGTERM" ? 143 : 130);
  }
  signalled = true;
  const all = [...handling];
  for (const g of all) g.signalLog.info(`${signal} received: stopping (calls in flight finish; ${signal} again exits at once)`);
  void Promise.allSettled(all.map((g) => g.stop())).then(() => {
    process.exitCode ??= 0;
    // Exits by itself when nothing else holds the event loop; else shortly after, as a stop was asked for.
    setTimeout(() => process.exit(), 1000).unref();
  });
}

/** From now on a signal stops `g` (with the others); the returned function takes it back (once it stopped otherwise). */
export function stopOnSignals(g: Stoppable): () => void {
  if (handling.size === 0) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  handling.add(g);
  return () => {
    if (signalled || !handling.delete(g) || handling.size > 0) return;
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
}
