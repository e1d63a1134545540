// Carries out one remote call under its execution modifier.
import type { Admission } from "../contract/ContractCheck";
import { ConfigurationError } from "../errors/DaffiError";
import type { CallOptions } from "../node/CallOptions";
import type { Node } from "../node/Node";
import { Mode } from "../wire/Kind";
import { AsyncResult } from "./AsyncResult";
import { BroadcastCollector } from "./BroadcastCollector";
import { delay } from "./delay";
import type { BGOptions, BroadcastOptions, FGOptions, Modifier, NoReturnOptions, PeriodOptions } from "./modifiers";
import { parseInterval } from "./parseInterval";
import { ScheduledTask } from "./ScheduledTask";

const asIs = (value: unknown) => value;

/** Asked right before a call goes out (the contract check): where it may go, or a throw when nowhere. */
export type Admit = (broadcast: boolean) => Admission;

/** Sends the call where the admission says (at once in the common case, after the contracts are read otherwise). */
export function admitted(node: Node, name: string, args: unknown[], options: CallOptions, admit: Admit | undefined): Promise<unknown> {
  if (!admit) return node.call(name, args, options);
  let admission: Admission;
  try {
    admission = admit(options.mode === Mode.BROADCAST);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  if (admission === undefined) return node.call(name, args, options);
  if (admission instanceof Promise) return admission.then((route) => node.call(name, args, route ? { ...options, target: route.target } : options));
  return node.call(name, args, { ...options, target: admission.target });
}

export function carryOut(node: Node, name: string, args: unknown[], modifier: Modifier, checkResult: (value: unknown) => unknown = asIs, admit?: Admit): unknown {
  const send = (options: CallOptions) => admitted(node, name, args, options, admit);
  switch (modifier.kind) {
    case "FG": {
      const done = send({ mode: Mode.FG, timeout: (modifier.options as FGOptions).timeout });
      return checkResult === asIs ? done : done.then(checkResult);
    }
    case "BG": {
      const { timeout, eta } = modifier.options as BGOptions;
      return new AsyncResult(name, async (signal) => {
        await delay(eta, signal, node.stopSignal);
        return checkResult(await send({ mode: Mode.BG, timeout, signal }));
      });
    }
    case "NO_RETURN": {
      const { eta } = modifier.options as NoReturnOptions;
      return delay(eta, node.stopSignal).then(() => send({ mode: Mode.NO_RETURN }).then(() => undefined));
    }
    case "BROADCAST":
      return broadcast(node, send, modifier.options as BroadcastOptions, checkResult);
    case "PERIOD":
      return period(node, send, modifier.options as PeriodOptions);
    default:
      throw new ConfigurationError(`unknown execution modifier '${String(modifier.kind)}'`);
  }
}

type Send = (options: CallOptions) => Promise<unknown>;

async function broadcast(node: Node, send: Send, options: BroadcastOptions, checkResult: (value: unknown) => unknown): Promise<unknown> {
  await delay(options.eta, node.stopSignal);
  if (!options.returnResult) {
    await send({ mode: Mode.BROADCAST, timeout: options.timeout }); // the timeout bounds the wait for the controller's ACCEPTED
    return undefined;
  }
  const answers = (await send({ mode: Mode.BROADCAST, timeout: options.timeout, broadcast: new BroadcastCollector() })) as Record<string, unknown>;
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

async function period(node: Node, send: Send, options: PeriodOptions): Promise<ScheduledTask> {
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
  const { id, process } = (await send({ mode: Mode.PERIOD, schedule })) as { id: string; process: string };
  return new ScheduledTask(node, id, process);
}
