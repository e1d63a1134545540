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
  /** The caller's connection a call belongs to (proto/daffi.proto): set by the controller, echoed by the executor. */
  incarnation?: number;
  /** CALL: the contract fingerprints the caller accepts (space-separated); the controller picks among providers announcing one of them, or none. */
  accept?: string;
  /** CALL: `target` is the caller's pick among the providers (its balancing), not a pin: the controller goes elsewhere when that one cannot take it. */
  preferred?: boolean;
  /** CALL: the caller's metadata (runtime/context/metadata.ts checks it). */
  metadata?: Readonly<Record<string, string>>;
  /** CALL: the caller's identity, set by the controller (or the direct-link server) when auth is enforced; "" otherwise. */
  identity?: string;
  /**
   * Set by the controller's decoder: the frame's bytes as they arrived. A frame forwarded with it is
   * written as these bytes followed by `source` (protobuf keeps the last value of a field), so its
   * other fields must not change on the way: whoever changes one removes `wire`.
   */
  wire?: Uint8Array;
}

/** A frame as decoded from the wire: protobuf fills every absent field with its default. */
export type ReceivedFrame = Required<Omit<Frame, "wire">> & Pick<Frame, "wire">;

const EMPTY = Buffer.alloc(0);
/** No metadata: one shared frozen record. */
export const NO_METADATA: Readonly<Record<string, string>> = Object.freeze(Object.create(null) as Record<string, string>);

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
    incarnation: frame.incarnation ?? 0,
    accept: frame.accept ?? "",
    preferred: frame.preferred ?? false,
    metadata: frame.metadata ?? NO_METADATA,
    identity: frame.identity ?? "",
    wire: undefined,
  };
}

/** What a frame adds to a message, besides its header: its payload, or all its bytes when forwarded as received. */
export function frameSize(frame: Frame): number {
  return frame.wire?.length ?? frame.payload?.length ?? 0;
}
