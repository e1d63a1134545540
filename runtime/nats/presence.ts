// What processes on NATS tell each other of themselves (runtime/nats/NatsHub.ts): full
// announcements, heartbeats, claims of a name. Every message comes from the wire: each is checked
// and bounded, and anything else is dropped.
import { decodeOr, encode } from "../wire/codec";
import { MAX_HELLO_BYTES, MAX_NAME_LENGTH } from "../wire/limits";
import { LINK_ID_BYTES } from "./envelope";

/** A process announces what it serves, on each change and when asked (`hello`, `sync`). */
export interface Announcement {
  name: string;
  /** Random per process start: the same process across reconnections. */
  process: string;
  /** Random per connection to NATS: frames name it. */
  link: string;
  /** Goes up with each change of what it serves. */
  seq: number;
  /** It sends a heartbeat well within this; silent this long, it is gone. */
  heartbeatMs: number;
  callbacks: string[];
  fingerprints: string[];
  /**
   * Processes the NATS server does not let this one send to (its permissions): they cannot have
   * its answers, so they do not call it (and it does not call them) while it says so.
   */
  unreachable?: string[];
}

/** Processes one announcement may say it cannot reach, at most. */
export const MAX_UNREACHABLE = 1000;

/** A heartbeat: who, on which connection, at which version. */
export type Alive = Pick<Announcement, "name" | "process" | "link" | "seq">;

/** The shortest and longest silence after which a process is gone. */
export const MIN_HEARTBEAT_MS = 100;
export const MAX_HEARTBEAT_MS = 600_000;

const ID = new RegExp(`^[0-9a-f]{${2 * LINK_ID_BYTES}}$`);

function isName(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_NAME_LENGTH;
}

function isId(value: unknown): value is string {
  return typeof value === "string" && ID.test(value);
}

function isSeq(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

export function encodeAnnouncement(announcement: Announcement): Uint8Array {
  return encode(announcement);
}

export function readAnnouncement(data: Uint8Array): Announcement | undefined {
  if (data.length > MAX_HELLO_BYTES) return undefined;
  const value = decodeOr<Record<string, unknown>>(data);
  if (!value || typeof value !== "object") return undefined;
  const { name, process, link, seq, heartbeatMs, callbacks, fingerprints, unreachable } = value;
  if (!isName(name) || !isId(process) || !isId(link) || !isSeq(seq)) return undefined;
  if (typeof heartbeatMs !== "number" || !(heartbeatMs >= MIN_HEARTBEAT_MS && heartbeatMs <= MAX_HEARTBEAT_MS)) return undefined;
  // The router takes only well-formed, bounded names of these lists (as from a HELLO).
  const cannotReach = Array.isArray(unreachable) ? unreachable.slice(0, MAX_UNREACHABLE).filter(isName) : [];
  return {
    name,
    process,
    link,
    seq,
    heartbeatMs,
    callbacks: Array.isArray(callbacks) ? callbacks : [],
    fingerprints: Array.isArray(fingerprints) ? fingerprints : [],
    ...(cannotReach.length > 0 ? { unreachable: cannotReach } : {}),
  };
}

export function encodeAlive(alive: Alive): Uint8Array {
  return encode(alive);
}

export function readAlive(data: Uint8Array): Alive | undefined {
  if (data.length > 4 * MAX_NAME_LENGTH) return undefined;
  const value = decodeOr<Record<string, unknown>>(data);
  if (!value || typeof value !== "object") return undefined;
  const { name, process, link, seq } = value;
  return isName(name) && isId(process) && isId(link) && isSeq(seq) ? { name, process, link, seq } : undefined;
}

/** A claim of a name (`held: false`), or its holder's answer (`held: true`): by which process. */
export interface Claim {
  process: string;
  held: boolean;
}

export function encodeClaim(claim: Claim): Uint8Array {
  return encode(claim);
}

export function readClaim(data: Uint8Array): Claim | undefined {
  if (data.length > 256) return undefined;
  const value = decodeOr<Record<string, unknown>>(data);
  if (!value || typeof value !== "object") return undefined;
  return isId(value.process) && typeof value.held === "boolean" ? { process: value.process, held: value.held } : undefined;
}

/** Who is leaving: the process on that connection. */
export function readBye(data: Uint8Array): Pick<Announcement, "name" | "link"> | undefined {
  if (data.length > 4 * MAX_NAME_LENGTH) return undefined;
  const value = decodeOr<Record<string, unknown>>(data);
  return value && typeof value === "object" && isName(value.name) && isId(value.link) ? { name: value.name, link: value.link } : undefined;
}
