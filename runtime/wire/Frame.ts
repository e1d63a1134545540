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
