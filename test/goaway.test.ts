// The stopping controller's GOAWAY: it waits for the answer of each node that said it gives one, not
// for others (an older node, or a program of one's own that ignores the frame).
import { expect, it } from "@jest/globals";
import { NodeSession } from "../runtime/controller/NodeSession";
import { Router } from "../runtime/controller/Router";
import { Logger } from "../runtime/log/Logger";
import { encode } from "../runtime/wire/codec";
import { type Frame, withDefaults } from "../runtime/wire/Frame";
import { FrameWriter } from "../runtime/wire/FrameWriter";
import { Kind } from "../runtime/wire/Kind";
import { PROTOCOL_VERSION } from "../runtime/wire/limits";

it("busy until every node that answers GOAWAY has; a node that does not say it would is not waited for", () => {
  const router = new Router("controller", new Logger("controller", "test", "silent"));
  const bounds = { maxQueuedBytes: 1024 ** 3, hardBytes: 1024 ** 3, stallMs: 60_000, overflow: () => undefined };
  const sent = new Map<string, Frame[]>();
  const join = (name: string, goaway: boolean) => {
    const frames: Frame[] = [];
    sent.set(name, frames);
    const writer = new FrameWriter({ write: (batch: { frames: Frame[] }, done?: () => void) => (frames.push(...batch.frames), done?.(), true) } as never);
    const session = new NodeSession(writer, () => undefined, name, { local: false }, bounds);
    router.handle(session, withDefaults({ kind: Kind.HELLO, name, payload: encode({ protocol: PROTOCOL_VERSION, callbacks: [], ...(goaway ? { goaway: true } : {}) }) }));
    return session;
  };
  const modern = join("modern", true);
  join("older", false);
  expect(router.busy).toBe(false);
  router.refuseNewCalls();
  expect(router.busy).toBe(true);
  router.handle(modern, withDefaults({ kind: Kind.GOAWAY }));
  expect(router.busy).toBe(false);
});
