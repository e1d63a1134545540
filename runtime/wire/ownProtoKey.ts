// Objects with an own `__proto__` key cannot travel as sent (the decoder renames the key, so that it cannot pollute prototypes): the sender refuses them.
import { ValidationError } from "../errors/DaffiError";

/** `__proto__` as a CBOR text string: bytes that must be in any encoding of such an object. */
const PROTO_KEY = Buffer.from([0x69, ...Buffer.from("__proto__", "ascii")]);

/** Below this many bytes a loop in JavaScript finds the key faster than a call into Node's indexOf. */
const SCAN_IN_JS = 128;

/** The encoded bytes contain `__proto__` as a text string (the cheap test that almost always says no). */
function holdsProtoKey(encoded: Uint8Array): boolean {
  const length = encoded.length;
  if (length < PROTO_KEY.length + 1) return false; // too short to hold an object with that key
  if (length >= SCAN_IN_JS) {
    const bytes = Buffer.isBuffer(encoded) ? encoded : Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
    return bytes.indexOf(PROTO_KEY) !== -1;
  }
  outer: for (let i = 0; i <= length - PROTO_KEY.length; i++) {
    if (encoded[i] !== 0x69) continue;
    for (let j = 1; j < PROTO_KEY.length; j++) if (encoded[i + j] !== PROTO_KEY[j]) continue outer;
    return true;
  }
  return false;
}

/** Objects a quick look visits at most before it leaves the question to the bytes. */
const QUICK_LOOK = 32;

/** True when `value` holds at most QUICK_LOOK objects and none has an own `__proto__` key. */
function fewObjectsWithoutProtoKey(value: unknown): boolean {
  const stack: unknown[] = [value];
  let visits = 0;
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== "object" || item === null || ArrayBuffer.isView(item) || item instanceof Date) continue;
    if (++visits > QUICK_LOOK) return false;
    if (item instanceof Map) for (const entry of item.values()) stack.push(entry);
    else if (item instanceof Set) for (const entry of item) stack.push(entry);
    else if (Array.isArray(item)) {
      if (item.length > QUICK_LOOK) return false;
      for (const entry of item) stack.push(entry);
    } else {
      if (Object.hasOwn(item, "__proto__")) return false;
      const values = Object.values(item);
      if (values.length > QUICK_LOOK) return false;
      for (const entry of values) stack.push(entry);
    }
  }
  return true;
}

/** Containers visited at most: the value was just encoded, so it is finite; this bounds the walk anyway. */
const MAX_VISITS = 1_000_000;

/**
 * Throws ValidationError (path of the key) when `value` has an object with an own `__proto__`
 * property. The walk runs only when the encoded bytes contain that key, which is rare.
 */
export function refuseOwnProtoKey(value: unknown, encoded: Uint8Array, rootPath: string | (() => string) = "$input"): void {
  // A large encoding of a few objects (a 1 MiB byte string, say) is told by its objects, not by scanning its bytes.
  if (encoded.length >= SCAN_IN_JS && fewObjectsWithoutProtoKey(value)) return;
  if (!holdsProtoKey(encoded)) return;
  const root = typeof rootPath === "function" ? rootPath() : rootPath;
  const path = findOwnProtoKey(value, root);
  if (path === null) {
    throw new ValidationError(`${root} holds more than ${MAX_VISITS} objects and "__proto__" somewhere: too many to check it is not an own key`, {
      path: root,
      expected: `at most ${MAX_VISITS} objects`,
      value: undefined,
    });
  }
  if (path !== undefined) {
    throw new ValidationError(`${path} is an own property named "__proto__", which cannot be sent as it is (it would arrive renamed): rename the key`, {
      path,
      expected: 'a property name other than "__proto__"',
      value: undefined,
    });
  }
}

/** The path of the first own `__proto__` key; undefined when there is none; null when there are too many objects to tell. */
function findOwnProtoKey(root: unknown, rootPath: string): string | undefined | null {
  const stack: Array<[unknown, string]> = [[root, rootPath]];
  const seen = new Set<object>();
  while (stack.length > 0) {
    if (seen.size >= MAX_VISITS) return null;
    const [value, path] = stack.pop()!;
    if (typeof value !== "object" || value === null || seen.has(value) || ArrayBuffer.isView(value)) continue;
    seen.add(value);
    if (value instanceof Map) {
      // A Map's "__proto__" key arrives as sent; only its values can hold such objects.
      for (const [key, item] of value) stack.push([item, `${path}.get(${JSON.stringify(String(key))})`]);
    } else if (value instanceof Set) {
      for (const item of value) stack.push([item, `${path}[…]`]);
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push([item, `${path}[${index}]`]));
    } else {
      if (Object.hasOwn(value, "__proto__")) return `${path}.__proto__`;
      for (const [key, item] of Object.entries(value)) stack.push([item, `${path}.${key}`]);
    }
  }
  return undefined;
}
