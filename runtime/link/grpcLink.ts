// A link over a gRPC bidirectional stream (the Daffi/Connect method of proto/daffi.proto): a node's
// end (grpcClientLink) or the controller's (grpcServerLink). Batches are encoded by batchCodec.
import type * as grpc from "@grpc/grpc-js";
import type { EventEmitter } from "node:events";
import type { PeerCertificate } from "node:tls";
import { type Batch, decodeBatch, encodeBatch } from "../wire/batchCodec";
import type { ReceivedFrame } from "../wire/Frame";
import { abortStream } from "./abortStream";
import type { Link } from "./Link";

type Stream = grpc.ClientDuplexStream<Batch, ReceivedFrame[]> | grpc.ServerDuplexStream<ReceivedFrame[], Batch>;

class GrpcLink implements Link {
  constructor(
    private readonly stream: Stream,
    private readonly reset: () => void,
    readonly peerCertificate: PeerCertificate | undefined,
    /** Events that also mean "close" (a server stream's "cancelled"). */
    private readonly closing: string[] = [],
  ) {}

  get peer(): string {
    return this.stream.getPeer();
  }

  get writableLength(): number {
    return this.stream.writableLength;
  }

  write(batch: Batch, done?: (error?: Error | null) => void): boolean {
    return this.stream.write(batch, done);
  }

  on(event: string, listener: (...args: never[]) => void): this {
    const emitter: EventEmitter = this.stream;
    emitter.on(event, listener as (...args: unknown[]) => void);
    if (event === "close") for (const other of this.closing) emitter.on(other, listener as (...args: unknown[]) => void);
    return this;
  }

  once(event: string, listener: (...args: never[]) => void): this {
    const emitter: EventEmitter = this.stream;
    emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  end(): void {
    this.stream.end();
  }

  abort(): void {
    this.reset();
  }
}

/** A node's link to the controller: one Connect stream of `client`. */
export function grpcClientLink(client: grpc.Client): Link {
  const stream = client.makeBidiStreamRequest<Batch, ReceivedFrame[]>("/daffi.Daffi/Connect", encodeBatch, decodeBatch);
  return new GrpcLink(stream, () => stream.cancel(), undefined);
}

/** The controller's end of a node's Connect stream. */
export function grpcServerLink(stream: grpc.ServerDuplexStream<ReceivedFrame[], Batch>): Link {
  // grpc-js cannot cancel a server call: the HTTP/2 stream under it is reset (else it ends gracefully).
  const reset = () => {
    if (!abortStream(stream)) stream.end();
  };
  return new GrpcLink(stream, reset, stream.getAuthContext?.()?.sslPeerCertificate, ["cancelled"]);
}
