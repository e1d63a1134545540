// A call this node runs for a caller: what is kept of its header, how its frames are addressed, how it is ended.
import type { Frame, ReceivedFrame } from "../wire/Frame";
import type { Mode } from "../wire/Kind";

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

/** Calls are told apart by caller, connection and id: a restarted caller reuses ids, never connections. */
export function callKey(frame: { source: string; incarnation: number; callId: number }): string {
  return `${frame.source}\u0000${frame.incarnation}\u0000${frame.callId}`;
}

/** A frame of this call for its caller (RESULT, ERROR, STREAM_ITEM, STREAM_END, CREDIT). */
export function toCaller(header: CallHeader, frame: Omit<Frame, "callId" | "target" | "incarnation">): Frame {
  return { ...frame, callId: header.callId, target: header.source, incarnation: header.incarnation };
}

/** What the executor holds of a running call: `cancel` ends it without an answer (the caller gave up, its deadline passed, the link is gone). */
export interface Running {
  cancel(): void;
}
