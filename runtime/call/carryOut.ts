// Carries out one remote call under its execution modifier.
import type { Admission, Route } from "../contract/ContractCheck";
import { ConfigurationError, ContractMismatchError, TimeoutError } from "../errors/DaffiError";
import type { CallOptions } from "../node/CallOptions";
import type { Node } from "../node/Node";
import { Mode } from "../wire/Kind";
import { AsyncResult } from "./AsyncResult";
import { BroadcastCollector } from "./BroadcastCollector";
import { delay } from "./delay";
import { intercepted } from "./intercepted";
import type { BGOptions, BroadcastOptions, FGOptions, Modifier, NoReturnOptions, PeriodOptions } from "./modifiers";
import { parseInterval } from "./parseInterval";
import { ScheduledTask } from "./ScheduledTask";

const asIs = (value: unknown) => value;

/** Asked right before a call goes out (the contract check): where it may go, or a throw when nowhere. `deadline`: epoch ms. */
export type Admit = (broadcast: boolean, deadline?: number) => Admission;

/** How long a call refused because the providers changed since its check waits to learn them before it is judged again. */
export const RELEARN_SECONDS = 2;

/**
 * Sends the call where the admission says (at once in the common case, after the contracts are read
 * otherwise). The call's timeout counts from here: reading contracts takes from it. A call the
 * controller refuses because the providers changed since the check is judged again once, when this
 * node knows them.
 */
export function admitted(node: Node, name: string, args: unknown[], options: CallOptions, admit: Admit | undefined, retried = false): Promise<unknown> {
  if (!admit) return node.call(name, args, options);
  const deadline = options.timeout === undefined ? undefined : Date.now() + options.timeout * 1000;
  const secondsLeft = () => (deadline === undefined ? undefined : (deadline - Date.now()) / 1000);
  const send = (route: Route | undefined): Promise<unknown> => {
    const left = secondsLeft();
    if (left !== undefined && left <= 0) return Promise.reject(new TimeoutError(`'${name}' did not answer within ${options.timeout}s (its providers' contracts were being read)`));
    const sentAt = node.registry.version;
    const sent = node.call(name, args, { ...options, timeout: left, ...(route?.target ? { target: route.target } : { accept: route?.accept }) });
    if (retried || !route) return sent;
    return sent.catch(async (error: unknown) => {
      if (!(error instanceof ContractMismatchError) || !error.stale) throw error;
      const wait = Math.min(RELEARN_SECONDS, secondsLeft() ?? RELEARN_SECONDS);
      // The view the call was sent with is stale: wait until it is not (it may be already, when the new REGISTRY came first).
      await node.registry.waitUntil(() => node.registry.version !== sentAt, "the new providers", wait).catch(() => {
        throw error;
      });
      const again = secondsLeft();
      return admitted(node, name, args, { ...options, timeout: again }, admit, true);
    });
  };
  let admission: Admission;
  try {
    admission = admit(options.mode === Mode.BROADCAST, deadline);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  return admission instanceof Promise ? admission.then(send) : send(admission);
}

export function carryOut(node: Node, name: string, args: unknown[], modifier: Modifier, checkResult: (value: unknown) => unknown = asIs, admit?: Admit): unknown {
  const send = (options: CallOptions) => intercepted(node, name, args, options, (final) => admitted(node, name, args, final, admit));
  switch (modifier.kind) {
    case "FG": {
      const { timeout, balancing, metadata, signal } = modifier.options as FGOptions;
      const done = send({ mode: Mode.FG, timeout, balancing, metadata, signal });
      return checkResult === asIs ? done : done.then(checkResult);
    }
    case "BG": {
      const { timeout, eta, balancing, metadata, signal: own } = modifier.options as BGOptions;
      return new AsyncResult(name, async (cancelled) => {
        const signal = own ? AbortSignal.any([cancelled, own]) : cancelled;
        await delay(eta, signal, node.stopSignal);
        return checkResult(await send({ mode: Mode.BG, timeout, signal, balancing, metadata }));
      });
    }
    case "NO_RETURN": {
      const { eta, balancing, metadata } = modifier.options as NoReturnOptions;
      return delay(eta, node.stopSignal).then(() => send({ mode: Mode.NO_RETURN, balancing, metadata }).then(() => undefined));
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
  const { timeout, metadata, signal } = options;
  await delay(options.eta, signal, node.stopSignal);
  if (!options.returnResult) {
    await send({ mode: Mode.BROADCAST, timeout, metadata, signal }); // the timeout bounds the wait for the controller's ACCEPTED
    return undefined;
  }
  const answers = (await send({ mode: Mode.BROADCAST, timeout, metadata, signal, broadcast: new BroadcastCollector() })) as Record<string, unknown>;
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
  const { id, process } = (await send({ mode: Mode.PERIOD, schedule, balancing: options.balancing, metadata: options.metadata })) as { id: string; process: string };
  return new ScheduledTask(node, id, process);
}
