// A node's link made a session of a router (the controller's, or a NATS hub's for the node of its
// process): its frames go to the router until the link ends, and a node that does not read is cut off.
import type { Link } from "../link/Link";
import type { Logger } from "../log/Logger";
import { shown } from "../log/shown";
import { DEFAULT_HEARTBEAT_SECONDS, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_QUEUED_BYTES } from "../wire/channelOptions";
import type { ReceivedFrame } from "../wire/Frame";
import { FrameWriter } from "../wire/FrameWriter";
import { NodeSession, type SessionBounds } from "./NodeSession";
import type { Router } from "./Router";

export interface SessionLimits {
  heartbeat?: number | undefined;
  maxMessageSize?: number | undefined;
  maxQueuedBytes?: number | undefined;
}

/** What a session may hold for its node before new calls wait for room, and before the node is cut off (`overflow`). */
export function sessionBounds(limits: SessionLimits, overflow: SessionBounds["overflow"]): SessionBounds {
  const maxQueuedBytes = limits.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  return {
    maxQueuedBytes,
    hardBytes: 4 * Math.max(maxQueuedBytes, limits.maxMessageSize ?? DEFAULT_MAX_MESSAGE_BYTES),
    stallMs: 2 * (limits.heartbeat ?? DEFAULT_HEARTBEAT_SECONDS) * 1000,
    overflow,
  };
}

/** What a link of `session` receives, handed to `router` frame by frame; a frame that cannot be handled is dropped (`warn`), not the rest. */
export function toRouter(router: Router, session: NodeSession, warn: (line: string) => void): (frames: ReceivedFrame[]) => void {
  return (frames) => {
    for (const frame of frames) {
      if (session.closed) return; // refused (or gone): the rest of what it sent is not looked at
      try {
        router.handle(session, frame);
      } catch (error) {
        warn(`Dropped a frame from '${shown(session.name || session.peer)}' that could not be handled: ${String(error)}`);
      }
    }
  };
}

/**
 * Makes `stream` a session of `router`. `streams` holds, while the link lives, the way to end it
 * gracefully (what is queued for the node is written first).
 */
export function attachSession(router: Router, stream: Link, limits: SessionLimits, log: Logger, local: boolean, streams: Map<Link, () => void>): void {
  const certificate = stream.peerCertificate;
  const writer = new FrameWriter(stream, limits.maxMessageSize);
  const endStream = () => {
    writer.close(); // flushes what is queued (e.g. the ERROR of a refusal) before the end
    stream.end();
  };
  streams.set(stream, endStream);
  const overflow = (node: NodeSession, why: string) => {
    log.warn(`Node '${shown(node.name || node.peer)}' does not read what is sent to it (${node.heldBytes} bytes wait, ${why}): it is disconnected`);
    node.closed = true;
    writer.abandon();
    // Not a graceful end, which would wait behind what the node does not read: the stream goes at once, and its buffers with it.
    stream.abort();
    close();
  };
  const session = new NodeSession(writer, endStream, stream.peer, { certificate, local }, sessionBounds(limits, overflow));
  let closed = false;
  // A client that connects and never says HELLO is dropped after two heartbeats.
  const helloTimer = setTimeout(() => {
    if (session.admitted) return;
    log.warn(`Dropped a client from ${session.peer} that sent no HELLO`);
    endStream();
  }, 2 * (limits.heartbeat ?? DEFAULT_HEARTBEAT_SECONDS) * 1000);
  const close = () => {
    if (closed) return;
    closed = true;
    clearTimeout(helloTimer);
    writer.close();
    streams.delete(stream);
    router.leave(session);
  };
  stream.on("data", toRouter(router, session, (line) => log.warn(line)));
  stream.on("end", () => {
    close();
    stream.end();
  });
  stream.on("error", close);
  stream.on("close", close);
}
