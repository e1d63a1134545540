// Ends a node's stream at once, without waiting behind what it has not read: grpc-js has no way to cancel a server call, so the HTTP/2 stream under it is reset.
import * as http2 from "node:http2";

interface CallChain {
  stream?: { close?(code: number): void; destroyed?: boolean };
  nextCall?: CallChain;
}

/**
 * Resets the HTTP/2 stream under a grpc-js server stream (RST_STREAM CANCEL): the node sees its link
 * end and reconnects, and what was waiting for it is dropped. grpc-js is pinned; a test cuts a real
 * node off and checks it comes back, so a change of these internals cannot go unnoticed.
 */
export function abortStream(stream: object): boolean {
  let call = (stream as { call?: CallChain }).call;
  for (let depth = 0; call && depth < 16; depth++) {
    if (typeof call.stream?.close === "function") {
      if (!call.stream.destroyed) call.stream.close(http2.constants.NGHTTP2_CANCEL);
      return true;
    }
    call = call.nextCall;
  }
  return false;
}
