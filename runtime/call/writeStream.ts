// A stream to a callback: each item (an `args(...)`) is sent as the executing node grants credit; resolves when all ran.
import { argsValues } from "../fetcher/args";
import type { Node } from "../node/Node";
import type { Admit } from "./carryOut";
import { encode } from "../wire/codec";
import { ItemsInFlight } from "../node/StreamSink";
import { Kind, Mode } from "../wire/Kind";

export async function writeStream(node: Node, name: string, items: Iterable<unknown> | AsyncIterable<unknown>, admit?: Admit): Promise<void> {
  const route = await admit?.(false);
  let credit = 0;
  let failed = false;
  const inFlight = new ItemsInFlight();
  let wake: (() => void) | undefined;
  const call = node.open(name, [], {
    mode: Mode.FG,
    target: route?.target,
    itemStream: true,
    sink: {
      item: () => undefined,
      credit: (count) => {
        credit += count;
        inFlight.granted(count);
        wake?.();
      },
    },
  });
  const done = call.done.then(
    () => undefined,
    (error: unknown) => {
      failed = true;
      wake?.();
      throw error;
    },
  );
  done.catch(() => undefined); // observed below; this keeps an early failure from being unhandled meanwhile
  try {
    for await (const item of items) {
      const payload = encode(argsValues(item) ?? [item]);
      // Within both windows: items, and bytes (a large item waits until the callback took enough).
      while ((credit <= 0 || !inFlight.fits(payload.length)) && !failed) await new Promise<void>((resolve) => (wake = resolve));
      if (failed) break; // the callback failed: stop producing (the generator's `finally` runs)
      credit--;
      inFlight.sent(payload.length);
      node.sendOnCall(call.id, { kind: Kind.STREAM_ITEM, payload });
    }
  } catch (error) {
    node.abandon(call.id, error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
  if (!failed) node.sendOnCall(call.id, { kind: Kind.STREAM_END });
  await done;
}
