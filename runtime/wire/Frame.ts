// One protocol frame as the runtime sees it (field meanings: proto/daffi.proto).
import type { Kind, Mode } from "./Kind";

export interface Frame {
  kind: Kind;
  callId?: number;
  name?: string;
  source?: string;
  target?: string;
  mode?: Mode;
  payload?: Uint8Array;
  credit?: number;
  timeoutMs?: number;
  itemStream?: boolean;
  returnResult?: boolean;
}

/** A frame as decoded from the wire: protobuf fills every absent field with its default. */
export type ReceivedFrame = Required<Frame>;

const EMPTY = Buffer.alloc(0);

/** The frame as the wire delivers it: every absent field at its protobuf default. */
export function withDefaults(frame: Frame): ReceivedFrame {
  return {
    kind: frame.kind,
    callId: frame.callId ?? 0,
    name: frame.name ?? "",
    source: frame.source ?? "",
    target: frame.target ?? "",
    mode: frame.mode ?? (0 as Mode),
    payload: frame.payload ?? EMPTY,
    credit: frame.credit ?? 0,
    timeoutMs: frame.timeoutMs ?? 0,
    itemStream: frame.itemStream ?? false,
    returnResult: frame.returnResult ?? false,
  };
}
