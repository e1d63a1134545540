// The controller's side of one node's stream: its name, callbacks and the calls it is part of.
import type { Credentials } from "../auth/AccessPolicy";
import { Identity } from "../auth/Identity";
import type { Frame } from "../wire/Frame";
import type { FrameWriter } from "../wire/FrameWriter";

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
  ) {}

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
  }

  /** The frame can be sent to this node within the message size limit. */
  fits(frame: Frame): boolean {
    return this.writer.fits(frame);
  }
}
