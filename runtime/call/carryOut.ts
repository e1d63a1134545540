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
import type { BGOptions, BroadcastOptions, FGOptions, Modifier, NoReturnOptions, PeriodOptions, RetryOptions } from "./modifiers";
import { notStartedBy } from "../errors/notStarted";
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
      const { timeout, balancing, metadata, signal, retry } = modifier.options as FGOptions;
      const options: CallOptions = { mode: Mode.FG, timeout, balancing, metadata, signal };
      const done = retry ? retried(node, send, options, retry) : send(options);
      return checkResult === asIs ? done : done.then(checkResult);
    }
    case "BG": {
      const { timeout, eta, balancing, metadata, signal: own, retry } = modifier.options as BGOptions;
      return new AsyncResult(name, async (cancelled) => {
        const signal = own ? AbortSignal.any([cancelled, own]) : cancelled;
        await delay(eta, signal, node.stopSignal);
        const options: CallOptions = { mode: Mode.BG, timeout, signal, balancing, metadata };
        return checkResult(await (retry ? retried(node, send, options, retry) : send(options)));
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

/**
 * `retry`: the call is sent again — to a provider that has not refused it, when there is one — only
 * when its error proves it never started (a refusal before any callback ran); after `backoff`
 * seconds, doubling; the timeout counts across the tries. Any other error, or the last one, is the call's.
 */
async function retried(node: Node, send: Send, options: CallOptions, retry: RetryOptions): Promise<unknown> {
  const deadline = options.timeout === undefined ? undefined : Date.now() + options.timeout * 1000;
  const refused = new Set<string>();
  for (let attempt = 1; ; attempt++) {
    const left = deadline === undefined ? undefined : (deadline - Date.now()) / 1000;
    try {
      return await send(attempt === 1 ? options : { ...options, timeout: left, exclude: refused });
    } catch (error) {
      const by = notStartedBy(error);
      if (by === undefined || attempt >= retry.attempts) throw error;
      if (by !== "") refused.add(by);
      const wait = (retry.backoff ?? 0.1) * 2 ** (attempt - 1);
      if (deadline !== undefined && Date.now() + wait * 1000 >= deadline) throw error;
      await delay(wait, options.signal, node.stopSignal);
    }
  }
}

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
