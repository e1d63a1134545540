// The controller's side of one node's stream: its name, callbacks and the calls it is part of.
import type { Credentials } from "../auth/AccessPolicy";
import { Identity } from "../auth/Identity";
import type { Frame } from "../wire/Frame";
import type { FrameWriter } from "../wire/FrameWriter";
import { DEFAULT_MAX_QUEUED_BYTES } from "../wire/channelOptions";

/** A call in flight: who asked, under which id, and who runs it (several nodes for a broadcast). */
export interface Route {
  readonly caller: NodeSession;
  readonly callId: number;
  /** The nodes that have not answered yet; the route ends when none is left. */
  readonly executors: Set<NodeSession>;
}

const NOBODY = new Identity("unadmitted", { processNames: [], serve: [], call: [] });

export class NodeSession {
  /** Set by HELLO; empty until the node is admitted. */
  name = "";
  callbacks: string[] = [];
  /** Calls this node made that are still running elsewhere, by the node's call id. */
  readonly outgoing = new Map<number, Route>();
  /** Calls this node is running for others. */
  readonly executing = new Set<Route>();
  /** Who the node proved to be at HELLO (the controller's `auth`); no permission before. */
  identity = NOBODY;
  /** This connection's number (proto: incarnation), set at HELLO: answers reach this connection only. */
  incarnation = 0;
  /** SHA-256 of the secret of the process behind it: the same process reconnecting may replace this session. */
  secretDigest?: Buffer;

  /** Set once the controller ended the stream: nothing more it sent is handled. */
  closed = false;

  constructor(
    private readonly writer: FrameWriter,
    /** Ends the stream from the controller's side. */
    private readonly end: () => void,
    /** For logs: where the node connects from. */
    readonly peer: string,
    /** What the link knows of the peer (its client certificate, whether it is in-process); HELLO adds the token. */
    readonly credentials: Omit<Credentials, "token"> = { local: false },
    /** Bytes held for this node it has not taken yet: new calls need room; twice that and the node is cut off (`overflow`). */
    private readonly bounds: { maxQueuedBytes: number; overflow(session: NodeSession): void } = { maxQueuedBytes: DEFAULT_MAX_QUEUED_BYTES, overflow: () => undefined },
  ) {}

  /** Bytes waiting to be taken by this node. */
  get heldBytes(): number {
    return this.writer.heldBytes;
  }

  /** A new call of `bytes` may be queued for this node (always when nothing waits). */
  hasRoomFor(bytes: number): boolean {
    const held = this.writer.heldBytes;
    return held === 0 || held + bytes <= this.bounds.maxQueuedBytes;
  }

  get maxQueuedBytes(): number {
    return this.bounds.maxQueuedBytes;
  }

  /** Ends the stream from the controller's side. */
  close(): void {
    this.closed = true;
    this.end();
  }

  get admitted(): boolean {
    return this.name !== "";
  }

  send(frame: Frame): void {
    this.writer.send(frame);
    // A node that does not read what is sent to it cannot make the controller hold more than this.
    if (this.writer.heldBytes > 2 * this.bounds.maxQueuedBytes && !this.closed) this.bounds.overflow(this);
  }

  /** The frame can be sent to this node within the message size limit. */
  fits(frame: Frame): boolean {
    return this.writer.fits(frame);
  }
}
