// The executing node's scheduled tasks (PERIOD): timers by task id, listed and cancelled on request.
import { randomUUID } from "node:crypto";
import { ScheduledTaskNotFoundError } from "../errors/DaffiError";

export interface Schedule {
  /** Epoch milliseconds, each in the future. */
  atTime?: number[];
  /** Every that many milliseconds. */
  intervalMs?: number;
}

export class Scheduler {
  private readonly tasks = new Map<string, Set<NodeJS.Timeout>>();

  /** Runs `run` as scheduled; returns the task's id. A task of `atTime` ends after its last run. */
  schedule(run: () => void, schedule: Schedule): string {
    const id = randomUUID();
    const timers = new Set<NodeJS.Timeout>();
    this.tasks.set(id, timers);
    if (schedule.intervalMs !== undefined) {
      timers.add(setInterval(run, schedule.intervalMs));
    } else {
      for (const time of schedule.atTime ?? []) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (timers.size === 0) this.tasks.delete(id);
          run();
        }, Math.max(0, time - Date.now()));
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
    for (const timer of timers) clearTimeout(timer);
    this.tasks.delete(id);
  }

  stop(): void {
    for (const timers of this.tasks.values()) for (const timer of timers) clearTimeout(timer);
    this.tasks.clear();
  }
}
