// A Router with in-memory node sessions: what the controller answers a caller, without sockets.
import { NodeSession } from "../../runtime/controller/NodeSession";
import { Router } from "../../runtime/controller/Router";
import { Logger } from "../../runtime/log/Logger";
import { encode } from "../../runtime/wire/codec";
import { type Frame, withDefaults } from "../../runtime/wire/Frame";
import { FrameWriter } from "../../runtime/wire/FrameWriter";
import { Kind } from "../../runtime/wire/Kind";
import { PROTOCOL_VERSION } from "../../runtime/wire/limits";

export function routerHarness() {
  const router = new Router("controller", new Logger("controller", "test", "silent"));
  /** The frames sent to the caller. */
  const sent: Frame[] = [];
  const bounds = { maxQueuedBytes: 1024 ** 3, hardBytes: 1024 ** 3, stallMs: 60_000, overflow: () => undefined };
  /** A node admitted with these callbacks (and their fingerprints); `record`: what it is sent goes to `sent`. */
  const join = (name: string, callbacks: string[] = [], fingerprints: string[] = [], record = false): NodeSession => {
    const writer = new FrameWriter({ write: (batch: { frames: Frame[] }, done?: () => void) => (record && sent.push(...batch.frames), done?.(), true) } as never);
    const session = new NodeSession(writer, () => undefined, name, { local: false }, bounds);
    router.handle(session, withDefaults({ kind: Kind.HELLO, name, payload: encode({ protocol: PROTOCOL_VERSION, callbacks, fingerprints }) }));
    return session;
  };
  const caller = join("caller", [], [], true);
  return {
    router,
    join,
    /** The caller sends `frame` (a CALL). */
    send: (frame: Frame) => router.handle(caller, withDefaults(frame)),
    /** What the caller was answered on `callId`, once the writers have sent (at the end of the turn). */
    answer: async (callId: number) => {
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
      return sent.find((frame) => frame.callId === callId && frame.kind !== Kind.REGISTRY);
    },
  };
}
