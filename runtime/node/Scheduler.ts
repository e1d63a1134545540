// The executing node's scheduled tasks (PERIOD): timers by task id, listed and cancelled on request.
import { passed } from "../errors/passed";
import { randomUUID } from "node:crypto";
import { LongTimeout } from "../call/LongTimeout";
import { ConfigurationError, ScheduledTaskNotFoundError } from "../errors/DaffiError";

export interface Schedule {
  /** Epoch milliseconds, each in the future. */
  atTime?: number[];
  /** Every that many milliseconds. */
  intervalMs?: number;
}

/** The most run times one task may list. */
const MAX_TIMES = 10_000;

export class Scheduler {
  private readonly tasks = new Map<string, Set<LongTimeout>>();

  /**
   * Runs `run` as scheduled (any length: long delays are chained, nothing fires early); returns the
   * task's id. A task of `atTime` ends after its last run. A schedule from the wire that makes no
   * sense is refused with ConfigurationError.
   */
  schedule(run: () => void, schedule: Schedule): string {
    const { intervalMs, atTime } = schedule;
    if (intervalMs !== undefined) {
      if (typeof intervalMs !== "number" || !Number.isFinite(intervalMs) || intervalMs < 1) throw new ConfigurationError(`PERIOD interval must be at least 1 ms, got ${passed(intervalMs)}`);
    } else if (!Array.isArray(atTime) || atTime.length === 0 || atTime.length > MAX_TIMES || !atTime.every((time) => typeof time === "number" && Number.isFinite(time))) {
      throw new ConfigurationError(`PERIOD atTime must be 1 to ${MAX_TIMES} epoch milliseconds`);
    }
    const id = randomUUID();
    const timers = new Set<LongTimeout>();
    this.tasks.set(id, timers);
    if (intervalMs !== undefined) {
      const every = () => {
        timers.clear();
        timers.add(new LongTimeout(every, intervalMs));
        run();
      };
      timers.add(new LongTimeout(every, intervalMs));
    } else {
      for (const time of atTime!) {
        const timer = new LongTimeout(() => {
          timers.delete(timer);
          if (timers.size === 0) this.tasks.delete(id);
          run();
        }, time - Date.now());
        timers.add(timer);
      }
    }
    return id;
  }

  ids(): string[] {
    return [...this.tasks.keys()];
  }

  cancel(id: string, processName: string): void {
    const timers = this.tasks.get(id);
    if (!timers) {
      throw new ScheduledTaskNotFoundError(`process '${processName}' has no scheduled task ${id} (it finished, was cancelled, or the process restarted)`);
    }
    for (const timer of timers) timer.clear();
    this.tasks.delete(id);
  }

  stop(): void {
    for (const timers of this.tasks.values()) for (const timer of timers) timer.clear();
    this.tasks.clear();
  }
}
