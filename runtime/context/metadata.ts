// Call metadata: string keys and values a caller sends with a call (README: Call context).
import { passed } from "../errors/passed";
import { ConfigurationError } from "../errors/DaffiError";
import { NO_METADATA } from "../wire/Frame";

/** The most bytes of metadata one call carries (keys and values, UTF-8). */
export const MAX_METADATA_BYTES = 8 * 1024;
/** Keys of daffi's own, refused in a caller's metadata. */
export const RESERVED_PREFIX = "daffi-";
/** The W3C trace context: passed on from a call to the calls made inside it, whatever else is. */
export const TRACE_KEYS = ["traceparent", "tracestate"] as const;

export type Metadata = Readonly<Record<string, string>>;

/** The bytes of its keys and values (UTF-8). */
export function bytesOf(metadata: Metadata): number {
  let bytes = 0;
  for (const key in metadata) bytes += Buffer.byteLength(key) + Buffer.byteLength(metadata[key]!);
  return bytes;
}

/** A caller's metadata checked (ConfigurationError otherwise) and copied into a frozen record without prototype. */
export function checkMetadata(value: unknown, what: string): Metadata | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Map) {
    throw new ConfigurationError(`${what} must be an object of string keys and values, got ${passed(value)}`);
  }
  const copy = Object.create(null) as Record<string, string>;
  for (const [key, text] of Object.entries(value)) {
    if (key === "") throw new ConfigurationError(`${what}: a key is empty`);
    if (key.startsWith(RESERVED_PREFIX)) throw new ConfigurationError(`${what}: keys starting '${RESERVED_PREFIX}' are reserved ('${key}')`);
    if (typeof text !== "string") throw new ConfigurationError(`${what}: the value of '${key}' must be a string, got ${passed(text)}`);
    copy[key] = text;
  }
  const bytes = bytesOf(copy);
  if (bytes > MAX_METADATA_BYTES) throw new ConfigurationError(`${what} takes ${bytes} bytes, above the limit of ${MAX_METADATA_BYTES}`);
  return Object.freeze(copy);
}

/**
 * What a call sends: the trace context of the call it is made in, then the process's defaults, then
 * its own (each later one wins a key). ConfigurationError when together they are above the limit.
 */
export function callMetadata(inherited: Metadata | undefined, defaults: Metadata | undefined, own: Metadata | undefined, name: string): Metadata {
  // The common call: none of them (no array, no record made on the hot path).
  if (inherited === undefined && defaults === undefined) return own ?? NO_METADATA;
  let trace: Record<string, string> | undefined;
  if (inherited && inherited !== NO_METADATA) {
    for (const key of TRACE_KEYS) if (inherited[key] !== undefined) (trace ??= Object.create(null) as Record<string, string>)[key] = inherited[key]!;
  }
  const parts = [trace, defaults, own].filter((part): part is Metadata => part !== undefined && part !== NO_METADATA);
  if (parts.length === 0) return NO_METADATA;
  if (parts.length === 1) return parts[0]!;
  const merged = Object.assign(Object.create(null) as Record<string, string>, ...parts) as Record<string, string>;
  const bytes = bytesOf(merged);
  if (bytes > MAX_METADATA_BYTES) throw new ConfigurationError(`the metadata of the call to '${name}' takes ${bytes} bytes, above the limit of ${MAX_METADATA_BYTES}`);
  return Object.freeze(merged);
}

/** Metadata arriving with a call, from any peer: within the limit, or the call is refused. */
export function metadataTooLarge(metadata: Metadata): number | undefined {
  if (metadata === NO_METADATA) return undefined;
  const bytes = bytesOf(metadata);
  return bytes > MAX_METADATA_BYTES ? bytes : undefined;
}
