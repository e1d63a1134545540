// The seam between daffi's call logic and what carries its frames: one end of a link that carries
// frame batches between two processes. Implementations, each a module with this surface:
// - grpcLink.ts: a gRPC stream (a node's link to the controller, and the controller's end of it);
// - localLink.ts: in memory, between a node and the controller of its own process.
// The node and the controller do not care which one carries a call.
import type { PeerCertificate } from "node:tls";
import type { ReceivedFrame } from "../wire/Frame";
import type { BatchSink } from "../wire/FrameWriter";

export interface Link extends BatchSink {
  /** Batches from the other end, decoded; "end" when it ended its side, "close" once the link is gone. */
  on(event: "data", listener: (frames: ReceivedFrame[]) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "end" | "close", listener: () => void): unknown;
  once(event: "close" | "drain", listener: () => void): unknown;
  once(event: "error", listener: (error: Error) => void): unknown;
  /** Ends this side after what was written (the other end reads it all, then sees "end"). */
  end(): void;
  /** Ends the link at once, dropping what waits in it (a peer that does not read; a stop). */
  abort(): void;
  /** Who is at the other end, for logs: "in-process", "unix:…", "ipv4:…". */
  readonly peer: string;
  /** The certificate the other end presented (mutual TLS), if any. */
  readonly peerCertificate: PeerCertificate | undefined;
}
