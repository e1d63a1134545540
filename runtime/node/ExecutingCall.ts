// A call this node runs for a caller: what is kept of its header, how its frames are addressed, how it is ended.
import type { Frame, ReceivedFrame } from "../wire/Frame";
import type { Kind, Mode } from "../wire/Kind";

/** The fields of a CALL the executor needs until it answers (not its payload: that would pin the received message). */
export interface CallHeader {
  readonly callId: number;
  readonly name: string;
  /** The caller's process name. */
  readonly source: string;
  /** The caller's connection (set by the controller): answers go to that one only. */
  readonly incarnation: number;
  readonly mode: Mode;
  readonly credit: number;
  readonly timeoutMs: number;
}

const NO_PAYLOAD = new Uint8Array(0);

/**
 * The CALL frame itself serves as the header (no copy on the hot path), its payload taken out of it:
 * a call that runs long must not keep the received message alive.
 */
export function takeHeader(frame: ReceivedFrame): { header: CallHeader; payload: Uint8Array } {
  const payload = frame.payload;
  frame.payload = NO_PAYLOAD;
  return { header: frame, payload };
}

/**
 * A frame of this call for its caller (RESULT, ERROR, STREAM_ITEM, STREAM_END, CREDIT). Always one
 * literal of the same shape: the encoder reads these frames on the hot path of every answer and item.
 */
export function toCaller(header: CallHeader, kind: Kind, payload?: Uint8Array, credit?: number): Frame {
  return { kind, callId: header.callId, target: header.source, incarnation: header.incarnation, payload, credit };
}

/** What the executor holds of a running call: `cancel` ends it without an answer (the caller gave up, its deadline passed, the link is gone). */
export interface Running {
  cancel(): void;
}
