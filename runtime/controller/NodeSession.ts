// The controller's side of one node's stream: its name, callbacks and the calls it is part of.
import type { Credentials } from "../auth/AccessPolicy";
import { Identity } from "../auth/Identity";
import type { Frame } from "../wire/Frame";
import { Kind } from "../wire/Kind";
import type { FrameWriter } from "../wire/FrameWriter";
import { DEFAULT_MAX_QUEUED_BYTES } from "../wire/channelOptions";

/** A call in flight: who asked, under which id, and who runs it (several nodes for a broadcast). */
export interface Route {
  readonly caller: NodeSession;
  readonly callId: number;
  /** The nodes that have not answered yet; the route ends when none is left. */
  readonly executors: Set<NodeSession>;
}

export interface SessionBounds {
  /** New calls to or from the node need room below this. */
  maxQueuedBytes: number;
  /** Held beyond this, the node is cut off at once. */
  hardBytes: number;
  /** Held beyond maxQueuedBytes with nothing taken for this long, the node is cut off. */
  stallMs: number;
  overflow(session: NodeSession, why: string): void;
}

const NOBODY = new Identity("unadmitted", { processNames: [], serve: [], call: [] });

export class NodeSession {
  /** Set by HELLO; empty until the node is admitted. */
  name = "";
  callbacks: string[] = [];
  /** The contract fingerprint the node announced for each of its callbacks (those it has one for). */
  fingerprints = new Map<string, string>();
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
  /** The node's public key (HELLO), which its ticket names: without one it gets no ticket (no direct links). */
  publicKey?: Uint8Array;
  /** Where the node takes direct links (HELLO), as the registry tells the others. */
  directAddress?: string;
  /** The fingerprint of its key, in the registry: executors take direct calls only from the key that holds the name now. */
  keyFingerprint?: string;

  /** Set once the controller ended the stream: nothing more it sent is handled. */
  closed = false;
  /** The node answered the stopping controller's GOAWAY: every call it sent on this stream has arrived. */
  goneAway = false;
  /** It said in HELLO that it answers GOAWAY (a node that does not is not waited for). */
  answersGoAway = false;
  /**
   * A process of another hub (NATS, runtime/nats/): it is sent only the frames of calls; what a
   * controller tells its own nodes (registry, GOAWAY, reports) stays here.
   */
  remote = false;

  constructor(
    private readonly writer: FrameWriter,
    /** Ends the stream from the controller's side. */
    private readonly end: () => void,
    /** For logs: where the node connects from. */
    readonly peer: string,
    /** What the link knows of the peer (its client certificate, whether it is in-process); HELLO adds the token. */
    readonly credentials: Omit<Credentials, "token"> = { local: false },
    /** Bytes held for this node it has not taken yet: new calls need room; see `send` for when the node is cut off. */
    private readonly bounds: SessionBounds = { maxQueuedBytes: DEFAULT_MAX_QUEUED_BYTES, hardBytes: 4 * DEFAULT_MAX_QUEUED_BYTES, stallMs: 20_000, overflow: () => undefined },
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

  /**
   * Queues a frame for the node. A node that does not take what is sent to it (a slow consumer, as
   * NATS calls it) is cut off: beyond `maxQueuedBytes` when nothing it was sent has been taken for
   * `stallMs` (two heartbeats), and at once beyond `hardBytes`. A node that reads, even a burst of
   * large answers, is never cut off below `hardBytes`.
   */
  send(frame: Frame): void {
    // A remote process gets the frames of calls only (an ERROR without a call is a refusal meant for a node of this hub).
    if (this.remote && (!CALL_FRAMES.has(frame.kind) || (frame.kind === Kind.ERROR && !frame.callId))) return;
    this.writer.send(frame);
    const held = this.writer.heldBytes;
    if (held <= this.bounds.maxQueuedBytes || this.closed) return;
    if (held > this.bounds.hardBytes) this.bounds.overflow(this, `above ${this.bounds.hardBytes} bytes`);
    else if (this.writer.stalledMs() > this.bounds.stallMs) this.bounds.overflow(this, `nothing taken for ${Math.round(this.writer.stalledMs() / 1000)} s`);
  }

  /** The frame can be sent to this node within the message size limit. */
  fits(frame: Frame): boolean {
    return this.writer.fits(frame);
  }
}

/** What a remote session is sent: the frames of calls, both ways. */
const CALL_FRAMES = new Set<number>([Kind.CALL, Kind.RESULT, Kind.ERROR, Kind.CANCEL, Kind.STREAM_ITEM, Kind.STREAM_END, Kind.CREDIT]);
