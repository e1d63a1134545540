// A stream to a callback: each item (an `args(...)`) is sent as the executing node grants credit; resolves when all ran.
// Under BROADCAST, every item goes to every provider, each with its own credit: the slowest holds the producer back.
import { CallbackNotFoundError, TimeoutError } from "../errors/DaffiError";
import { argsValues } from "../fetcher/args";
import type { Node } from "../node/Node";
import { ItemsInFlight } from "../node/StreamSink";
import { encode } from "../wire/codec";
import { Kind, Mode } from "../wire/Kind";
import type { BroadcastResult } from "./BroadcastCollector";
import type { Admit } from "./carryOut";
import { delay } from "./delay";
import { LongTimeout } from "./LongTimeout";
import type { BroadcastOptions } from "./modifiers";
import type { Metadata } from "../context/metadata";

type Items = Iterable<unknown> | AsyncIterable<unknown>;

/** One item-stream call to one executing node: the credit it granted, the bytes in flight, whether it ended. */
class ItemStreamCall {
  private credit = 0;
  private readonly inFlight = new ItemsInFlight();
  readonly id: number;
  /** Settles with the number of items the callback ran, or the error. */
  readonly done: Promise<unknown>;
  failed = false;
  /** Answered already (e.g. by an interceptor that did not let it on): nothing more goes. */
  answered = false;

  constructor(
    private readonly node: Node,
    name: string,
    where: { target?: string; accept?: string; metadata?: Metadata | undefined; metadataFinal?: boolean | undefined },
    wake: () => void,
  ) {
    const call = node.open(name, [], {
      mode: Mode.FG,
      balancing: "random", // a stream is not balanced: the controller picks its provider
      ...where,
      itemStream: true,
      sink: {
        item: () => undefined,
        credit: (count) => {
          this.credit += count;
          this.inFlight.granted(count);
          wake();
        },
      },
    });
    this.id = call.id;
    this.done = call.done.then(
      (value) => {
        this.answered = true;
        wake();
        return value;
      },
      (error: unknown) => {
        this.failed = true;
        wake();
        throw error;
      },
    );
    this.done.catch(() => undefined); // observed by the caller; this keeps an early failure from being unhandled meanwhile
  }

  /** Within both windows, items and bytes (a large item waits until the callback took enough); a failed call holds nothing back. */
  ready(bytes: number): boolean {
    return this.over || (this.credit > 0 && this.inFlight.fits(bytes));
  }

  /** Failed or answered: its producer has nothing more to send it. */
  get over(): boolean {
    return this.failed || this.answered;
  }

  send(payload: Uint8Array): void {
    if (this.over) return;
    this.credit--;
    this.inFlight.sent(payload.length);
    this.node.sendOnCall(this.id, { kind: Kind.STREAM_ITEM, payload });
  }

  end(): void {
    if (!this.over) this.node.sendOnCall(this.id, { kind: Kind.STREAM_END });
  }

  abandon(error: Error): void {
    this.node.abandon(this.id, error);
  }
}

const STOPPED: unique symbol = Symbol("stopped");

/**
 * Sends every item to every call; stops producing once `over()` (the generator's `finally` runs), or
 * when `stopped` settles — even while the producer is waiting for its next item (then it is told to
 * return without being waited for).
 */
async function feed(calls: ItemStreamCall[], items: Items, waiting: { wake?: () => void }, over: () => boolean, stopped?: Promise<void>): Promise<void> {
  const iterator: AsyncIterator<unknown> | Iterator<unknown> =
    Symbol.asyncIterator in items ? (items as AsyncIterable<unknown>)[Symbol.asyncIterator]() : (items as Iterable<unknown>)[Symbol.iterator]();
  // One reaction on `stopped`, and a fresh promise per item to race against (racing `stopped` itself would add a reaction per item).
  let isStopped = false;
  let interrupt: ((value: typeof STOPPED) => void) | undefined;
  void stopped?.then(() => {
    isStopped = true;
    interrupt?.(STOPPED);
  });
  const sync = !(Symbol.asyncIterator in items);
  let done = false;
  let cut = false;
  /** The producer's next item; `done` is set when the producer itself finished or threw (then it is not told to return). */
  const pull = async (): Promise<IteratorResult<unknown>> => {
    try {
      const step = await iterator.next();
      if (step.done) done = true;
      // `for await` over a sync iterator awaits each value: so does this.
      else if (sync) return { done: false, value: await step.value };
      return step;
    } catch (error) {
      done = true;
      throw error;
    }
  };
  try {
    for (;;) {
      const next = pull();
      const step: IteratorResult<unknown> | typeof STOPPED = stopped
        ? await Promise.race([next, new Promise<typeof STOPPED>((resolve) => (interrupt = isStopped ? (resolve(STOPPED), undefined) : resolve))])
        : await next;
      if (step === STOPPED) {
        cut = true;
        next.catch(() => undefined); // what the producer does after the cut is not waited for
        break;
      }
      if (step.done) break;
      const payload = encode(argsValues(step.value) ?? [step.value]);
      while (!over() && !calls.every((call) => call.ready(payload.length))) await new Promise<void>((resolve) => (waiting.wake = resolve));
      if (over()) break;
      for (const call of calls) call.send(payload);
    }
  } catch (error) {
    // The producer threw, or an item could not be encoded (then the producer is told to return, below).
    for (const call of calls) call.abandon(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    if (!done) {
      const returned = Promise.resolve(iterator.return?.()).catch(() => undefined);
      if (!cut) await returned;
    }
  }
  for (const call of calls) call.end();
}

function waker(): { waiting: { wake?: () => void }; wake: () => void } {
  const waiting: { wake?: () => void } = {};
  return {
    waiting,
    wake: () => {
      const resolve = waiting.wake;
      waiting.wake = undefined;
      resolve?.();
    },
  };
}

export async function writeStream(node: Node, name: string, items: Items, admit?: Admit, metadata?: Metadata, metadataFinal?: boolean): Promise<void> {
  const route = await admit?.(false);
  const { waiting, wake } = waker();
  const call = new ItemStreamCall(node, name, { ...(route?.target ? { target: route.target } : { accept: route?.accept }), metadata, metadataFinal }, wake);
  await feed([call], items, waiting, () => call.over); // the callback failed (or the call was answered): stop producing
  await call.done;
}

/**
 * BROADCAST: one item-stream call to each provider of the callback (as the registry lists them at
 * the start), every item to each. A provider that fails is left out (its entry is the error), the
 * others go on; the producer stops only when all failed. `timeout` bounds the whole stream.
 */
export async function broadcastStream(
  node: Node,
  name: string,
  items: Items,
  options: BroadcastOptions,
  metadata = options.metadata,
  metadataFinal?: boolean,
): Promise<BroadcastResult<number> | undefined> {
  await delay(options.eta, node.stopSignal);
  // Who provides it is known once connected (a call made meanwhile waits, as others do).
  if (!node.isConnected) await node.registry.waitUntil(() => node.isConnected, "the controller", options.timeout);
  const processes = [...(node.registry.providers(name)?.processes ?? [])];
  if (processes.length === 0) throw new CallbackNotFoundError(`no connected process has a callback named '${name}'`);
  const { waiting, wake } = waker();
  const calls = processes.map((process) => new ItemStreamCall(node, name, { target: process, metadata, metadataFinal }, wake));
  let expire: (() => void) | undefined;
  const expired = new Promise<void>((resolve) => (expire = resolve));
  const timer =
    options.timeout === undefined
      ? undefined
      : new LongTimeout(() => {
          processes.forEach((process, i) => calls[i]!.abandon(new TimeoutError(`process '${process}' did not run the stream of '${name}' within ${options.timeout}s`)));
          expire!();
        }, options.timeout * 1000);
  try {
    await feed(calls, items, waiting, () => calls.every((call) => call.over), expired);
    const outcomes = await Promise.allSettled(calls.map((call) => call.done));
    if (!options.returnResult) return undefined;
    return Object.fromEntries(processes.map((process, i) => [process, outcomes[i]!.status === "fulfilled" ? outcomes[i]!.value : outcomes[i]!.reason])) as BroadcastResult<number>;
  } finally {
    timer?.clear();
  }
}
