// What `daffi call` prints of a value that came as CBOR: JSON, in protobuf's JSON mapping (grpcurl's) where JSON has no such value.
import { DaffiError, RemoteError } from "../errors/DaffiError";

/**
 * The value as JSON can carry it (README: daffi call): `undefined` → null; bigint → its digits as a
 * string; NaN, ±Infinity → "NaN", "Infinity", "-Infinity"; Uint8Array (Buffer), ArrayBuffer → base64
 * string; other typed arrays → arrays of numbers; Date → ISO 8601 string (an invalid one: null);
 * Map → an object when every key is a string or a number, else a list of [key, value] pairs;
 * Set → a list; an Error (a broadcast's entry) → { "$error": { code, name, message } }, a remote one
 * named by the class thrown there.
 * A value met again inside itself is null there.
 */
export function jsonForm(value: unknown, within: Set<object> = new Set()): unknown {
  switch (typeof value) {
    case "undefined":
    case "function":
    case "symbol":
      return null;
    case "bigint":
      return value.toString();
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "string":
    case "boolean":
      return value;
  }
  if (value === null) return null;
  const object = value as object;
  if (within.has(object)) return null;
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
  if (object instanceof Uint8Array) return Buffer.from(object.buffer, object.byteOffset, object.byteLength).toString("base64");
  if (object instanceof ArrayBuffer) return Buffer.from(object).toString("base64");
  if (ArrayBuffer.isView(object)) {
    if (object instanceof DataView) return Buffer.from(object.buffer, object.byteOffset, object.byteLength).toString("base64");
    return Array.from(object as unknown as ArrayLike<number | bigint>, (item) => jsonForm(item));
  }
  if (object instanceof Error) return { $error: errorForm(object) };
  within.add(object);
  try {
    if (Array.isArray(object)) return object.map((item) => jsonForm(item, within));
    if (object instanceof Set) return [...object].map((item) => jsonForm(item, within));
    if (object instanceof Map) {
      const entries = [...object.entries()];
      if (!entries.every(([key]) => typeof key === "string" || typeof key === "number")) return entries.map(([key, item]) => [jsonForm(key, within), jsonForm(item, within)]);
      return record(entries.map(([key, item]) => [String(key), jsonForm(item, within)]));
    }
    return record(Object.entries(object).map(([key, item]) => [key, jsonForm(item, within)]));
  } finally {
    within.delete(object);
  }
}

/** One line of JSON. */
export function jsonLine(value: unknown): string {
  return safeJson(JSON.stringify(jsonForm(value)));
}

/**
 * JSON text with the characters a terminal or an editor would act on — C1 controls, line and
 * paragraph separators, bidirectional overrides — written as \u escapes (JSON.stringify leaves them
 * raw): still the same JSON, and what comes from another process stays text.
 */
export function safeJson(text: string): string {
  return text.replace(/[\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A remote error's name is the class thrown there ("TypeError"); its code says it is remote. */
function errorForm(error: Error): { code: string | null; name: string; message: string } {
  return { code: error instanceof DaffiError ? error.code : null, name: error instanceof RemoteError ? error.remoteName : error.name, message: error.message };
}

/** An object of these entries; with no prototype, so that a key "__proto__" is a key like the others. */
function record(entries: Array<[string, unknown]>): Record<string, unknown> {
  const result = Object.create(null) as Record<string, unknown>;
  for (const [key, item] of entries) result[key] = item;
  return result;
}
