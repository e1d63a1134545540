// When a callback's contract serves what a fetcher expects: the rules of docs and README ("Contract checks").
import { type ContractShape, type ParamShape, printType, type PropShape, type SignatureShape, type TypeShape } from "./Shape";

/** Deeper than what parseContract lets in (64): a crafted nesting is not cut short into "compatible". */
const MAX_DEPTH = 80;
/**
 * The most comparisons one judgement makes; past it nothing more is said and the types are taken
 * as fitting (unsure is compatible). Pairs already compared are remembered, so honest contracts
 * stay far below it; a crafted one cannot hold the caller's event loop.
 */
const MAX_STEPS = 50_000;

/** All the comparisons of one contract judgement at most (overloads times parameters times steps). */
const MAX_TOTAL_STEPS = 1_000_000;

interface Judging {
  steps: number;
  /** Shared by the judgings of one contract. */
  total: { steps: number };
  /** Results by source node, then target node (object shapes, by identity). */
  memo: WeakMap<object, WeakMap<object, boolean>>;
}

const newJudging = (total = { steps: 0 }): Judging => ({ steps: 0, total, memo: new WeakMap() });

/** `T | undefined`, once per node (so that it has one identity for the memo). */
const withUndefinedCache = new WeakMap<object, TypeShape>();
function orUndefined(type: TypeShape): TypeShape {
  if (typeof type === "string") return type === "undefined" || type === "any" || type === "unknown" ? type : { union: [type, "undefined"] };
  let cached = withUndefinedCache.get(type);
  if (!cached) {
    cached = "union" in type ? { union: [...type.union, "undefined"] } : { union: [type, "undefined"] };
    withUndefinedCache.set(type, cached);
  }
  return cached;
}

/**
 * True when a value of type `source` may be used where `target` is expected (TypeScript's
 * assignability, on the canonical shapes). A recursive reference is taken as compatible.
 */
export function assignable(source: TypeShape, target: TypeShape, judging: Judging = newJudging(), depth = 0): boolean {
  if (depth > MAX_DEPTH || ++judging.steps > MAX_STEPS || ++judging.total.steps > MAX_TOTAL_STEPS) return true;
  if (typeof source === "object" && typeof target === "object") {
    const known = judging.memo.get(source)?.get(target);
    if (known !== undefined) return known;
    const result = compare(source, target, judging, depth);
    let bySource = judging.memo.get(source);
    if (!bySource) judging.memo.set(source, (bySource = new WeakMap()));
    bySource.set(target, result);
    return result;
  }
  return compare(source, target, judging, depth);
}

function compare(source: TypeShape, target: TypeShape, judging: Judging, depth: number): boolean {
  const next = (s: TypeShape, t: TypeShape) => assignable(s, t, judging, depth + 1);
  if (target === "any" || target === "unknown" || source === "any" || source === "never") return true;
  if (typeof source === "object" && "union" in source) return source.union.every((member) => next(member, target));
  if (typeof target === "object" && "union" in target) {
    if (target.union.some((member) => next(source, member))) return true;
    // TypeScript's discriminant rule: { kind: "a" | "b" } fits { kind: "a" } | { kind: "b" } when each case does.
    const cases = discriminantCases(source);
    // Too many cases to try: unsure (compatible) only when the target is a union of objects having those properties, as a discriminated union does.
    if (cases === "too many") return hasDiscriminants(source, target.union);
    return cases !== undefined && cases.every((variant) => target.union.some((member) => next(variant, member)));
  }
  if ((typeof source === "object" && "ref" in source) || (typeof target === "object" && "ref" in target)) return true;
  if (typeof target === "string") {
    if (source === target) return true;
    if (target === "void") return source === "undefined";
    if (typeof source === "string") return target === "object" && source === "function";
    if ("lit" in source) return typeof source.lit === target;
    if ("big" in source) return target === "bigint";
    return target === "object"; // arrays, tuples, objects and classes are objects
  }
  if (typeof source === "string") {
    // `boolean` fits `true | false` (a union, handled above) and an empty object type `{}` takes any non-nullish value.
    return "props" in target && target.props.length === 0 && !target.index && !["null", "undefined", "void", "unknown"].includes(source);
  }
  if ("lit" in target) return "lit" in source && source.lit === target.lit;
  if ("big" in target) return "big" in source && source.big === target.big;
  if ("array" in target) {
    if ("array" in source) return next(source.array, target.array);
    if ("tuple" in source) return source.tuple.every((element) => next(element.rest ? elementOf(element.type) : element.type, target.array));
    return false;
  }
  if ("tuple" in target) return "tuple" in source && tupleAssignable(source.tuple, target.tuple, next);
  if ("cls" in target) {
    if (!("cls" in source) || !isLibrarySubclass(source.cls, target.cls)) return false;
    const args = target.args ?? [];
    return args.every((arg, i) => next(source.args?.[i] ?? "unknown", arg));
  }
  if ("props" in target) {
    if ("lit" in source || "big" in source) return target.props.length === 0 && !target.index;
    // Arrays and tuples are objects with a length and numbered elements (ArrayLike<T>); a class instance has members this form does not list: taken as fitting.
    if ("array" in source || "tuple" in source) return next({ props: [{ name: "length", type: "number" }], index: "array" in source ? source.array : elementOf({ tuple: source.tuple }) }, target);
    if ("cls" in source) return true;
    if (!("props" in source)) return target.props.length === 0 && !target.index;
    for (const wanted of target.props) {
      const found = source.props.find((prop) => prop.name === wanted.name);
      if (!found) {
        if (wanted.opt) continue;
        return false;
      }
      if (found.opt && !wanted.opt) return false;
      // An optional property takes `undefined` too (as a required one of type `T | undefined` does).
      if (!next(found.opt ? orUndefined(found.type) : found.type, wanted.opt ? orUndefined(wanted.type) : wanted.type)) return false;
    }
    if (target.index) {
      if (!source.props.every((prop) => next(prop.type, target.index!))) return false;
      if (source.index && !next(source.index, target.index)) return false;
    }
    return true;
  }
  return false;
}

/** Standard library classes that are others too (Buffer is a Uint8Array, Set a ReadonlySet…). */
const LIBRARY_SUPERCLASSES: Record<string, string[]> = {
  Buffer: ["Uint8Array"],
  Set: ["ReadonlySet"],
  Map: ["ReadonlyMap"],
};
const isLibrarySubclass = (source: string, target: string) => source === target || (Object.hasOwn(LIBRARY_SUPERCLASSES, source) && LIBRARY_SUPERCLASSES[source]!.includes(target));

/** At most this many cases are tried for the discriminant rule (as TypeScript does: 25). */
const MAX_CASES = 25;

const literalCases = (type: TypeShape): TypeShape[] | undefined => {
  if (type === "boolean") return [{ lit: true }, { lit: false }];
  if (typeof type !== "object" || !("union" in type)) return undefined;
  const cases: TypeShape[] = [];
  for (const member of type.union) {
    if (member === "boolean") cases.push({ lit: true }, { lit: false });
    else if (typeof member === "object" && "lit" in member) cases.push(member);
    else return undefined;
  }
  return cases;
};

/** Every member of the union is an object type with each of `source`'s literal-union properties. */
function hasDiscriminants(source: TypeShape, members: TypeShape[]): boolean {
  if (typeof source !== "object" || !("props" in source)) return false;
  const names = source.props.filter((prop) => literalCases(prop.type)).map((prop) => prop.name);
  return members.every((member) => typeof member === "object" && "props" in member && names.every((name) => member.props.some((prop) => prop.name === name)));
}

/**
 * The object `source` split into one case per combination of its properties that are unions of
 * literals (booleans included); undefined when it has none, "too many" past 25 combinations.
 */
function discriminantCases(source: TypeShape): TypeShape[] | "too many" | undefined {
  if (typeof source !== "object" || !("props" in source)) return undefined;
  const splits = source.props.map((prop) => literalCases(prop.type));
  if (!splits.some(Boolean)) return undefined;
  let count = 1;
  for (const split of splits) if (split) count *= split.length;
  if (count > MAX_CASES) return "too many";
  let variants: PropShape[][] = [[]];
  source.props.forEach((prop, i) => {
    const split = splits[i];
    variants = split ? variants.flatMap((props) => split.map((member) => [...props, { ...prop, type: member }])) : variants.map((props) => [...props, prop]);
  });
  return variants.map((props) => ({ ...source, props }));
}

function tupleAssignable(source: Array<{ type: TypeShape; opt?: true; rest?: true }>, target: Array<{ type: TypeShape; opt?: true; rest?: true }>, next: (s: TypeShape, t: TypeShape) => boolean): boolean {
  const targetRest = target.find((element) => element.rest);
  for (let i = 0; i < Math.max(source.length, target.length); i++) {
    const s = source[i];
    const t = target[i] && !target[i]!.rest ? target[i] : undefined;
    if (!s) {
      if (t && !t.opt) return false;
      continue;
    }
    if (s.rest) return next(elementOf(s.type), t?.type ?? (targetRest ? elementOf(targetRest.type) : "never"));
    if (!t) {
      if (!targetRest || !next(s.type, elementOf(targetRest.type))) return false;
      continue;
    }
    if (s.opt && !t.opt) return false;
    if (!next(s.type, t.type)) return false;
  }
  return true;
}

/** The element type of a rest parameter's (array) type. */
function elementOf(type: TypeShape): TypeShape {
  if (typeof type === "object" && "array" in type) return type.array;
  if (typeof type === "object" && "tuple" in type) return { union: type.tuple.map((element) => (element.rest ? elementOf(element.type) : element.type)) };
  return "unknown";
}

interface Positions {
  required: number;
  /** How many arguments at most (Infinity with a rest parameter). */
  most: number;
  /** The type an argument at position i has (or may have), undefined beyond the last. */
  at(i: number): TypeShape | undefined;
  fixed: number;
}

/** `(...args: [a, b?, ...c[]])` is `(a, b?, ...c)`: a rest parameter typed by a tuple gives positions. */
function expandRest(params: ParamShape[]): ParamShape[] {
  const rest = params[params.length - 1];
  if (!rest?.rest || typeof rest.type !== "object" || !("tuple" in rest.type)) return params;
  // Only a tuple whose rest element, if any, comes last gives positions ([...a[], b] does not).
  if (rest.type.tuple.some((element, i, all) => element.rest && i !== all.length - 1)) return params;
  const expanded: ParamShape[] = rest.type.tuple.map((element, i) => ({
    name: `${rest.name}_${i}`,
    type: element.type,
    ...(element.opt ? { opt: true as const } : {}),
    ...(element.rest ? { rest: true as const } : {}),
  }));
  return [...params.slice(0, -1), ...expanded];
}

function positions(declared: ParamShape[]): Positions {
  const params = expandRest(declared);
  const fixedParams = params.filter((param) => !param.rest);
  const rest = params.find((param) => param.rest);
  let required = 0;
  while (required < fixedParams.length && !fixedParams[required]!.opt) required++;
  return {
    required,
    most: rest ? Infinity : fixedParams.length,
    fixed: fixedParams.length,
    at: (i) => {
      const param = fixedParams[i];
      if (param) return param.opt ? orUndefined(param.type) : param.type;
      return rest ? elementOf(rest.type) : undefined;
    },
  };
}

/** Why the callback's signature does not serve the fetcher's, or undefined when it does. */
export function signatureMismatch(expected: SignatureShape, served: SignatureShape, total = { steps: 0 }): string | undefined {
  // Each argument and the result have a budget of their own: a large one cannot leave the next unjudged.
  const judging = () => newJudging(total);
  if (!!expected.stream !== !!served.stream) return expected.stream ? "the fetcher reads a stream, the callback returns a value" : "the callback returns a stream, the fetcher expects a value";
  const sent = positions(expected.params);
  const taken = positions(served.params);
  if (taken.required > sent.required) return `the callback needs ${taken.required} argument(s), the fetcher may send ${sent.required}`;
  if (taken.most < sent.most) return `the callback takes at most ${taken.most} argument(s), the fetcher may send ${sent.most === Infinity ? "any number" : sent.most}`;
  const last = Math.max(sent.fixed, taken.fixed) + 1; // one past both: rest against rest
  for (let i = 0; i < last; i++) {
    const from = sent.at(i);
    if (from === undefined) break;
    const to = taken.at(i) ?? "never";
    if (!assignable(from, to, judging())) return `argument ${i + 1}: the fetcher sends ${printable(from)}, the callback takes ${printable(to)}`;
  }
  if (expected.stream) {
    if (!assignable(served.item ?? "unknown", expected.item ?? "unknown", judging())) return "the callback's items do not fit the fetcher's item type";
  } else if (expected.result !== undefined && !assignable(served.result ?? "unknown", expected.result, judging())) {
    return "the callback's result does not fit the fetcher's result type";
  }
  return undefined;
}

const printable = (type: TypeShape) => {
  const text = printType(type);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
};

/** Why the callback's contract does not serve the fetcher's: each overload the fetcher has must be served by one of the callback's. */
export function contractMismatch(expected: ContractShape, served: ContractShape): string | undefined {
  const total = { steps: 0 };
  for (const wanted of expected.sigs) {
    const reasons = served.sigs.map((sig) => signatureMismatch(wanted, sig, total));
    if (!reasons.includes(undefined)) return reasons[0];
  }
  return undefined;
}
