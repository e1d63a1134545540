// The stale retry of stream reads (runtime/call/StreamReader.ts), with a scripted node.
import { describe, expect, it } from "@jest/globals";
import { StreamReader } from "../runtime/call/StreamReader";
import { ContractMismatchError } from "../runtime/errors/DaffiError";
import type { Node } from "../runtime/node/Node";
import { RegistryView } from "../runtime/registry/RegistryView";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function scripted() {
  const registry = new RegistryView();
  registry.update({ processes: ["p1"], callbacks: [["items", ["p1"], ["F"]]] });
  const opened: Array<{ id: number; sink: { item(v: unknown, b: number): void }; resolve(): void; reject(e: Error): void }> = [];
  const abandoned: number[] = [];
  let id = 0;
  const node = {
    registry,
    interceptors: { outgoing: undefined, incoming: undefined },
    open: (_name: string, _args: unknown[], options: { sink: { item(v: unknown, b: number): void } }) => {
      let resolve!: () => void, reject!: (e: Error) => void;
      const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      const call = { id: ++id, sink: options.sink, resolve, reject };
      opened.push(call);
      return { id: call.id, done };
    },
    abandon: (callId: number) => abandoned.push(callId),
    sendOnCall: () => undefined,
  } as unknown as Node;
  /** A read of "items" whose first call the controller refused as stale: its iterator and its first next(). */
  const refusedRead = () => {
    const it = new StreamReader<number>(node, "items", [], undefined, () => ({ accept: "F" }))[Symbol.asyncIterator]();
    const first = it.next();
    opened[0]!.reject(new ContractMismatchError("changed", { stale: true }));
    return { it, first };
  };
  return { registry, node, opened, abandoned, refusedRead };
}

describe("StreamReader stale retry", () => {
  it("retries once the registry changes, and reads the items of the second call", async () => {
    const { registry, opened, refusedRead } = scripted();
    const { first } = refusedRead();
    await sleep(20);
    registry.update({ processes: ["p2"], callbacks: [["items", ["p2"], ["F"]]] });
    await sleep(20);
    expect(opened.length).toBe(2);
    opened[1]!.sink.item(7, 1);
    expect(await first).toEqual({ value: 7, done: false });
  });

  it("a reader that stops (break) while the retry waits: no second call", async () => {
    const { registry, opened, refusedRead } = scripted();
    const { it, first } = refusedRead();
    await sleep(20);
    await it.return!();
    registry.update({ processes: ["p2"], callbacks: [["items", ["p2"], ["F"]]] });
    await sleep(20);
    expect(opened.length).toBe(1);
    expect(await Promise.race([first, sleep(100).then(() => "hangs")])).toEqual({ value: undefined, done: true });
  });

  it("no new view within 2 s: the reader gets the stale error (no hang)", async () => {
    const { opened, refusedRead } = scripted();
    const { first } = refusedRead();
    const outcome = await Promise.race([first.catch((error: Error) => error), sleep(3000).then(() => "hangs")]);
    expect(outcome).toBeInstanceOf(ContractMismatchError);
    expect(opened.length).toBe(1);
  });

  it("a second stale refusal is not retried again (no loop)", async () => {
    const { registry, opened, refusedRead } = scripted();
    const { first } = refusedRead();
    await sleep(10);
    registry.update({ processes: ["p2"], callbacks: [["items", ["p2"], ["F"]]] });
    await sleep(10);
    opened[1]!.reject(new ContractMismatchError("changed", { stale: true }));
    await expect(first).rejects.toBeInstanceOf(ContractMismatchError);
    expect(opened.length).toBe(2);
  });

  it("with an outgoing step: a reader that stops while the retry waits settles the step's next() (its own code after it runs)", async () => {
    const registry = new RegistryView();
    registry.update({ processes: ["p1"], callbacks: [["items", ["p1"], ["F"]]] });
    const opened: Array<{ reject(error: Error): void }> = [];
    const log: string[] = [];
    const node = {
      registry,
      processName: "me",
      defaultMetadata: undefined,
      interceptors: {
        outgoing: [
          async (call: unknown, next: (call: unknown) => Promise<unknown>) => {
            try {
              return await next(call);
            } finally {
              log.push("step ended");
            }
          },
        ],
        incoming: undefined,
      },
      open: () => {
        let reject!: (error: Error) => void;
        const done = new Promise<void>((_resolve, fail) => (reject = fail));
        opened.push({ reject });
        return { id: opened.length, done };
      },
      abandon: () => undefined,
      sendOnCall: () => undefined,
    } as unknown as Node;
    const iterator = new StreamReader<number>(node, "items", [], undefined, () => ({ accept: "F" }))[Symbol.asyncIterator]();
    void iterator.next().catch(() => undefined);
    await sleep(20);
    opened[0]!.reject(new ContractMismatchError("changed", { stale: true }));
    await sleep(20);
    await iterator.return!();
    registry.update({ processes: ["p2"], callbacks: [["items", ["p2"], ["F"]]] });
    await sleep(200);
    expect(opened.length).toBe(1);
    expect(log).toEqual(["step ended"]);
  });
});
