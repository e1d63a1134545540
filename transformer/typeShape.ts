// The canonical contract of a method, read from the checker's types (runtime/contract/Shape.ts says the form).
import ts from "typescript";
import { fingerprintOf } from "../runtime/contract/fingerprint";
import { type ContractShape, type MethodContract, type PropShape, type SignatureShape, type TypeShape, unionOf } from "../runtime/contract/Shape";
import type { MethodInfo } from "./methodMetadata";

const MAX_DEPTH = 12;
const MAX_NODES = 4000;

/** Classes of the standard library that travel as themselves (README: Values), told by name. */
const LIBRARY_CLASSES = new Set([
  "Date",
  "Map",
  "Set",
  "ReadonlyMap",
  "ReadonlySet",
  "RegExp",
  "Error",
  "Promise",
  "ArrayBuffer",
  "Uint8Array",
  "Uint8ClampedArray",
  "Uint16Array",
  "Uint32Array",
  "Int8Array",
  "Int16Array",
  "Int32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
  "Buffer",
]);

interface State {
  checker: ts.TypeChecker;
  at: ts.Node;
  nodes: number;
  inProgress: Set<ts.Type>;
}

/** The contract text and fingerprint of a method (every overload), as the transformer emits it. */
export function methodContract(checker: ts.TypeChecker, method: MethodInfo, at: ts.Node): MethodContract {
  const state: State = { checker, at, nodes: 0, inProgress: new Set() };
  const contract: ContractShape = { sigs: (method.overloads ?? [method]).map((sig) => signatureShape(state, sig)) };
  const text = JSON.stringify(contract);
  return { text, fingerprint: fingerprintOf(text) };
}

function signatureShape(state: State, method: MethodInfo): SignatureShape {
  const params = method.params.map((name, i) => {
    const rest = method.rest && i === method.params.length - 1;
    const opt = !rest && method.optional[i] === true;
    let type = shapeOf(state, method.paramTypes[i]!, 0);
    if (opt) type = withoutUndefined(type);
    return { name, type, ...(opt ? { opt: true as const } : {}), ...(rest ? { rest: true as const } : {}) };
  });
  if (method.stream) return { params, stream: true, ...(method.itemType ? { item: shapeOf(state, method.itemType, 0) } : {}) };
  return { params, ...(method.resultType ? { result: shapeOf(state, method.resultType, 0) } : {}) };
}

function withoutUndefined(type: TypeShape): TypeShape {
  return typeof type === "object" && "union" in type ? unionOf(type.union.filter((member) => member !== "undefined")) : type === "undefined" ? "undefined" : type;
}

function shapeOf(state: State, type: ts.Type, depth: number): TypeShape {
  // Beyond the budget nothing is said of the type: it matches anything (a check that cannot tell must not refuse).
  if (depth > MAX_DEPTH || ++state.nodes > MAX_NODES) return "any";
  const { checker } = state;
  const flags = type.flags;
  // What depends on a type parameter cannot be told at compile time: it matches anything, as `any` does.
  if (flags & (ts.TypeFlags.Any | ts.TypeFlags.TypeParameter | ts.TypeFlags.Index | ts.TypeFlags.IndexedAccess | ts.TypeFlags.Conditional | ts.TypeFlags.Substitution)) return "any";
  if (flags & ts.TypeFlags.Unknown) return "unknown";
  if (flags & ts.TypeFlags.Never) return "never";
  if (flags & ts.TypeFlags.Void) return "void";
  if (flags & ts.TypeFlags.Undefined) return "undefined";
  if (flags & ts.TypeFlags.Null) return "null";
  if (flags & ts.TypeFlags.Boolean) return "boolean";
  if (flags & ts.TypeFlags.StringLiteral) return { lit: (type as ts.StringLiteralType).value };
  if (flags & ts.TypeFlags.NumberLiteral) return { lit: (type as ts.NumberLiteralType).value };
  if (flags & ts.TypeFlags.BooleanLiteral) return { lit: checker.typeToString(type) === "true" };
  if (flags & ts.TypeFlags.BigIntLiteral) {
    const { negative, base10Value } = (type as ts.BigIntLiteralType).value;
    return { big: `${negative ? "-" : ""}${base10Value}` };
  }
  if (flags & (ts.TypeFlags.String | ts.TypeFlags.TemplateLiteral | ts.TypeFlags.StringMapping)) return "string";
  if (flags & ts.TypeFlags.Number) return "number";
  if (flags & ts.TypeFlags.BigInt) return "bigint";
  if (flags & ts.TypeFlags.ESSymbolLike) return "symbol";
  if (flags & ts.TypeFlags.NonPrimitive) return "object";
  if (type.isUnion()) return unionOf(type.types.map((member) => shapeOf(state, member, depth + 1)));
  if (type.isIntersection()) {
    // A branded primitive (`string & { __brand: "Id" }`) is its primitive; an intersection of objects has all their properties.
    const primitive = type.types.find((member) => member.flags & (ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BigIntLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.ESSymbolLike));
    if (primitive) return shapeOf(state, primitive, depth + 1);
  }
  if (state.inProgress.has(type)) return { ref: checker.typeToString(type) };
  state.inProgress.add(type);
  try {
    return objectShape(state, type, depth);
  } finally {
    state.inProgress.delete(type);
  }
}

function objectShape(state: State, type: ts.Type, depth: number): TypeShape {
  const { checker, at } = state;
  const next = (inner: ts.Type) => shapeOf(state, inner, depth + 1);
  if (checker.isArrayType(type)) return { array: next(checker.getTypeArguments(type as ts.TypeReference)[0]!) };
  if (checker.isTupleType(type)) {
    const flags = ((type as ts.TypeReference).target as ts.TupleType).elementFlags;
    return {
      tuple: checker.getTypeArguments(type as ts.TypeReference).map((element, i) => {
        const flag = flags[i] ?? ts.ElementFlags.Required;
        const rest = (flag & ts.ElementFlags.Variable) !== 0;
        const opt = (flag & ts.ElementFlags.Optional) !== 0;
        const shape = next(element);
        return { type: rest && !(typeof shape === "object" && ("array" in shape || "tuple" in shape)) ? { array: shape } : shape, ...(opt ? { opt: true as const } : {}), ...(rest ? { rest: true as const } : {}) };
      }),
    };
  }
  const symbol = type.getSymbol();
  const name = symbol?.getName();
  if (name && LIBRARY_CLASSES.has(name) && symbol?.declarations?.some((declaration) => declaration.getSourceFile().hasNoDefaultLib || /[\\/]node_modules[\\/]@types[\\/]node[\\/]/.test(declaration.getSourceFile().fileName))) {
    const args = (type as ts.TypeReference).target ? checker.getTypeArguments(type as ts.TypeReference).map(next) : [];
    return args.length > 0 ? { cls: name, args } : { cls: name };
  }
  const properties = checker.getPropertiesOfType(type).filter((property) => !String(property.escapedName).startsWith("__@"));
  if (type.getCallSignatures().length > 0 && properties.length === 0) return "function";
  const props: PropShape[] = properties
    .map((property) => {
      const opt = (property.flags & ts.SymbolFlags.Optional) !== 0;
      let shape = next(checker.getTypeOfSymbolAtLocation(property, at));
      if (opt) shape = withoutUndefined(shape);
      return { name: property.getName(), type: shape, ...(opt ? { opt: true as const } : {}) };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const index = checker.getIndexInfosOfType(type).find((info) => info.keyType.flags & (ts.TypeFlags.String | ts.TypeFlags.Number));
  return index ? { props, index: next(index.type) } : { props };
}
