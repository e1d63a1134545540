// Carries out one remote call under its execution modifier.
import { ConfigurationError } from "../errors/DaffiError";
import type { Node } from "../node/Node";
import { Mode } from "../wire/Kind";
import { AsyncResult } from "./AsyncResult";
import { BroadcastCollector } from "./BroadcastCollector";
import { delay } from "./delay";
import type { BGOptions, BroadcastOptions, FGOptions, Modifier, NoReturnOptions, PeriodOptions } from "./modifiers";
import { parseInterval } from "./parseInterval";
import { ScheduledTask } from "./ScheduledTask";

const asIs = (value: unknown) => value;

export function carryOut(node: Node, name: string, args: unknown[], modifier: Modifier, checkResult: (value: unknown) => unknown = asIs): unknown {
  switch (modifier.kind) {
    case "FG": {
      const done = node.call(name, args, { mode: Mode.FG, timeout: (modifier.options as FGOptions).timeout });
      return checkResult === asIs ? done : done.then(checkResult);
    }
    case "BG": {
      const { timeout, eta } = modifier.options as BGOptions;
      return new AsyncResult(name, async (signal) => {
        await delay(eta, signal, node.stopSignal);
        return checkResult(await node.call(name, args, { mode: Mode.BG, timeout, signal }));
      });
    }
    case "NO_RETURN": {
      const { eta } = modifier.options as NoReturnOptions;
      return delay(eta, node.stopSignal).then(() => node.call(name, args, { mode: Mode.NO_RETURN }).then(() => undefined));
    }
    case "BROADCAST":
      return broadcast(node, name, args, modifier.options as BroadcastOptions, checkResult);
    case "PERIOD":
      return period(node, name, args, modifier.options as PeriodOptions);
    default:
      throw new ConfigurationError(`unknown execution modifier '${String(modifier.kind)}'`);
  }
}

async function broadcast(node: Node, name: string, args: unknown[], options: BroadcastOptions, checkResult: (value: unknown) => unknown): Promise<unknown> {
  await delay(options.eta, node.stopSignal);
  if (!options.returnResult) {
    await node.call(name, args, { mode: Mode.BROADCAST, timeout: options.timeout }); // the timeout bounds the wait for the controller's ACCEPTED
    return undefined;
  }
  const answers = (await node.call(name, args, { mode: Mode.BROADCAST, timeout: options.timeout, broadcast: new BroadcastCollector() })) as Record<string, unknown>;
  // Each process's result is checked on its own: a bad one becomes that process's error entry.
  const checked = (value: unknown): unknown => {
    if (value instanceof Error) return value;
    try {
      return checkResult(value);
    } catch (error) {
      return error;
    }
  };
  return Object.fromEntries(Object.entries(answers).map(([process, value]) => [process, checked(value)]));
}

async function period(node: Node, name: string, args: unknown[], options: PeriodOptions): Promise<ScheduledTask> {
  let schedule: { atTime?: number[]; intervalMs?: number };
  if (options.interval !== undefined) {
    schedule = { intervalMs: parseInterval(options.interval) };
  } else {
    const now = Date.now();
    const atTime = options.atTime as number[];
    const past = atTime.find((time) => time <= now);
    if (past !== undefined) throw new ConfigurationError(`PERIOD atTime ${new Date(past).toISOString()} is not in the future`);
    schedule = { atTime };
  }
  const { id, process } = (await node.call(name, args, { mode: Mode.PERIOD, schedule })) as { id: string; process: string };
  return new ScheduledTask(node, id, process);
}
