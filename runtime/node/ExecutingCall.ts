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

export function headerOf(frame: ReceivedFrame): CallHeader {
  const { callId, name, source, incarnation, mode, credit, timeoutMs } = frame;
  return { callId, name, source, incarnation, mode, credit, timeoutMs };
}

/**
 * Calls are told apart by the caller's connection and the call's id: a restarted caller reuses ids,
 * never connections (the controller numbers each one, below 2^21, so this number is exact).
 */
export function callKey(frame: { incarnation: number; callId: number }): number {
  return frame.incarnation * 0x1_0000_0000 + frame.callId;
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
