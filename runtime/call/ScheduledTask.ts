// The handle of a PERIOD call: which process runs it under which id, and a way to cancel it.
import type { Node } from "../node/Node";
import { BUILTIN } from "../node/builtins";
import { Mode } from "../wire/Kind";

/** A PERIOD call scheduled on a process: its `id`, the `process`, and `cancel()`. */
export class ScheduledTask {
  readonly #node: Node;

  constructor(
    node: Node,
    /** The task's id on the executing process (see `g.getScheduledTasks(process)`). */
    readonly id: string,
    /** The process that runs the task. */
    readonly process: string,
  ) {
    this.#node = node;
  }

  /** Stops the task's future runs. ScheduledTaskNotFoundError if it is gone (finished, or its process restarted). */
  async cancel(): Promise<void> {
    await this.#node.call(BUILTIN.cancelScheduledTask, [this.id], { mode: Mode.FG, target: this.process });
  }
}
