// The canonical form of a signature: what the transformer writes, nodes announce and callers compare.

/** A type, as far as the contract check tells types apart. */
export type TypeShape =
  | "any"
  | "unknown"
  | "never"
  | "string"
  | "number"
  | "boolean"
  | "bigint"
  | "null"
  | "undefined"
  | "void"
  | "symbol"
  | "object"
  | "function"
  | { lit: string | number | boolean }
  | { big: string }
  | { array: TypeShape }
  | { tuple: Array<{ type: TypeShape; opt?: true; rest?: true }> }
  | { props: PropShape[]; index?: TypeShape }
  | { union: TypeShape[] }
  | { cls: string; args?: TypeShape[] }
  /** A type met again inside itself (recursive): named, not expanded. */
  | { ref: string };

export interface PropShape {
  name: string;
  type: TypeShape;
  opt?: true;
}

export interface ParamShape {
  name: string;
  type: TypeShape;
  opt?: true;
  rest?: true;
}

export interface SignatureShape {
  params: ParamShape[];
  /** The awaited result; absent when nothing is known or checked (a stream, PERIOD, BROADCAST handles). */
  result?: TypeShape;
  /** A stream read with `for await`; `item` is the type of its items when known. */
  stream?: true;
  item?: TypeShape;
}

/** A method's contract: one signature, or each of its overloads. */
export interface ContractShape {
  sigs: SignatureShape[];
}

/** What the transformer emits for a method: the canonical text of its contract and the text's fingerprint. */
export interface MethodContract {
  text: string;
  fingerprint: string;
}

const KEYWORDS = new Set(["any", "unknown", "never", "string", "number", "boolean", "bigint", "null", "undefined", "void", "symbol", "object", "function"]);

/** A union in canonical form: flattened, deduplicated, sorted; `true | false` is `boolean`; one member is itself. */
export function unionOf(members: TypeShape[]): TypeShape {
  const flat: TypeShape[] = [];
  for (const member of members) {
    if (typeof member === "object" && "union" in member) flat.push(...member.union);
    else flat.push(member);
  }
  if (flat.includes("any")) return "any";
  if (flat.includes("unknown")) return "unknown";
  const byText = new Map<string, TypeShape>();
  for (const member of flat) if (member !== "never") byText.set(JSON.stringify(member), member);
  const hasTrue = byText.has('{"lit":true}');
  const hasFalse = byText.has('{"lit":false}');
  if (hasTrue && hasFalse) {
    byText.delete('{"lit":true}');
    byText.delete('{"lit":false}');
    byText.set('"boolean"', "boolean");
  }
  if (byText.has('"boolean"')) {
    byText.delete('{"lit":true}');
    byText.delete('{"lit":false}');
  }
  const sorted = [...byText.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, member]) => member);
  if (sorted.length === 0) return "never";
  return sorted.length === 1 ? sorted[0]! : { union: sorted };
}

/** The type in TypeScript syntax. */
export function printType(type: TypeShape): string {
  if (typeof type === "string") return type === "function" ? "Function" : type;
  if ("lit" in type) return typeof type.lit === "string" ? JSON.stringify(type.lit) : String(type.lit);
  if ("big" in type) return `${type.big}n`;
  if ("array" in type) {
    const inner = printType(type.array);
    return typeof type.array === "object" && "union" in type.array ? `(${inner})[]` : `${inner}[]`;
  }
  if ("tuple" in type) return `[${type.tuple.map((element) => (element.rest ? `...${printType(element.type)}` : `${printType(element.type)}${element.opt ? "?" : ""}`)).join(", ")}]`;
  if ("props" in type) {
    const members = type.props.map((prop) => `${propertyName(prop.name)}${prop.opt ? "?" : ""}: ${printType(prop.type)}`);
    if (type.index) members.push(`[key: string]: ${printType(type.index)}`);
    return members.length === 0 ? "{}" : `{ ${members.join("; ")} }`;
  }
  if ("union" in type) return type.union.map(printType).join(" | ");
  if ("cls" in type) return type.args?.length ? `${type.cls}<${type.args.map(printType).join(", ")}>` : type.cls;
  return type.ref;
}

const propertyName = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name));

/** `name(a: number, b?: string, ...rest: number[]): R`; overloads joined by `; `. */
export function printContract(name: string, contract: ContractShape): string {
  return contract.sigs
    .map((sig) => {
      const params = sig.params.map((param) => (param.rest ? `...${param.name}: ${printType(param.type)}` : `${param.name}${param.opt ? "?" : ""}: ${printType(param.type)}`));
      const result = sig.stream ? `AsyncIterable<${printType(sig.item ?? "unknown")}>` : printType(sig.result ?? "unknown");
      return `${name}(${params.join(", ")}): ${result}`;
    })
    .join("; ");
}

/**
 * Contracts announced by other processes are read with these bounds (their text is hostile input).
 * The transformer's own budget (4,000 types a contract) stays well within them.
 */
export const MAX_CONTRACT_TEXT = 1024 * 1024;
const MAX_DEPTH = 64;
const MAX_NODES = 100_000;
/** Overloads a contract may have (the fetcher's types tell 8 apart). */
const MAX_SIGNATURES = 32;

/** Parses and checks a contract's text; undefined when it is not one (too long, malformed, too deep, unknown keys). */
export function parseContract(text: unknown, options: { trusted?: boolean } = {}): ContractShape | undefined {
  if (typeof text !== "string" || (!options.trusted && text.length > MAX_CONTRACT_TEXT)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const budget = { nodes: options.trusted ? -Infinity : 0 };
  if (!isObject(value) || !keysIn(value, ["sigs"])) return undefined;
  const sigs = value.sigs;
  if (!Array.isArray(sigs) || sigs.length === 0 || (!options.trusted && sigs.length > MAX_SIGNATURES) || !sigs.every((sig) => isSignature(sig, budget))) return undefined;
  return value as unknown as ContractShape;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isFlag = (value: unknown) => value === undefined || value === true;
/** Only these keys (an object with others is not a shape). */
const keysIn = (value: Record<string, unknown>, allowed: string[]) => Object.keys(value).every((key) => allowed.includes(key));

function isSignature(value: unknown, budget: { nodes: number }): boolean {
  if (!isObject(value) || !keysIn(value, ["params", "result", "stream", "item"]) || !Array.isArray(value.params)) return false;
  const params = value.params.every(
    (param) => isObject(param) && keysIn(param, ["name", "type", "opt", "rest"]) && typeof param.name === "string" && isFlag(param.opt) && isFlag(param.rest) && isType(param.type, 1, budget),
  );
  return params && isFlag(value.stream) && (value.result === undefined || isType(value.result, 1, budget)) && (value.item === undefined || isType(value.item, 1, budget));
}

function isType(value: unknown, depth: number, budget: { nodes: number }): boolean {
  if (depth > MAX_DEPTH || ++budget.nodes > MAX_NODES) return false;
  if (typeof value === "string") return KEYWORDS.has(value);
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  const next = (type: unknown) => isType(type, depth + 1, budget);
  if ("lit" in value) return keys.length === 1 && ["string", "number", "boolean"].includes(typeof value.lit);
  if ("big" in value) return keys.length === 1 && typeof value.big === "string";
  if ("ref" in value) return keys.length === 1 && typeof value.ref === "string";
  if ("array" in value) return keys.length === 1 && next(value.array);
  if ("union" in value) return keys.length === 1 && Array.isArray(value.union) && value.union.every(next);
  if ("tuple" in value) {
    return keys.length === 1 && Array.isArray(value.tuple) && value.tuple.every((element) => isObject(element) && keysIn(element, ["type", "opt", "rest"]) && isFlag(element.opt) && isFlag(element.rest) && next(element.type));
  }
  if ("cls" in value) return keysIn(value, ["cls", "args"]) && typeof value.cls === "string" && (value.args === undefined || (Array.isArray(value.args) && value.args.every(next)));
  if ("props" in value) {
    return (
      keysIn(value, ["props", "index"]) &&
      Array.isArray(value.props) &&
      value.props.every((prop) => isObject(prop) && keysIn(prop, ["name", "type", "opt"]) && typeof prop.name === "string" && isFlag(prop.opt) && next(prop.type)) &&
      (value.index === undefined || next(value.index))
    );
  }
  return false;
}
