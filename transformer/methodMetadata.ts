// Reads the remote methods of a class, a shared interface or a function: names, parameters, types.
import ts from "typescript";
import type { MethodContract } from "../runtime/contract/Shape";
import { daffiKindOf, resolveDeclaration } from "./daffiKind";
import { methodContract } from "./typeShape";

export interface MethodInfo {
  name: string;
  remoteName: string;
  params: string[];
  paramTypes: ts.Type[];
  rest: boolean;
  /** Per parameter: it may be left out (`x?: T`, or a default value). */
  optional: boolean[];
  bodyless: boolean;
  stream: boolean;
  /** The awaited result type (for fetchers); undefined for streams. */
  resultType?: ts.Type;
  /** For a stream: the type of its items, when the checker can tell it. */
  itemType?: ts.Type;
  /** Every signature of an overloaded method (the fields above are the first one's). */
  overloads?: MethodInfo[];
  /** The canonical contract of every signature, compared when fetcher meets callback. */
  contract?: MethodContract;
  /** What of this signature cannot be checked at run time (typed by a type parameter), and where it is written. */
  unchecked: Array<{ what: string; node: ts.Node }>;
}

/**
 * True when the type is, or is built from, a type parameter (a generic): no validator can check it.
 * `counts` tells which type parameters count (all by default).
 */
export function containsTypeParameter(type: ts.Type, counts: (parameter: ts.Type) => boolean = () => true, depth = 0): boolean {
  if (depth > 8) return false;
  if (type.flags & ts.TypeFlags.TypeParameter) return counts(type);
  if (type.isUnionOrIntersection()) return type.types.some((part) => containsTypeParameter(part, counts, depth + 1));
  const typeArguments = (type as ts.TypeReference).typeArguments ?? type.aliasTypeArguments;
  return typeArguments?.some((argument) => containsTypeParameter(argument, counts, depth + 1)) ?? false;
}

/**
 * A type parameter of a class (`class Repo<T> extends Callback`) is given by the subclasses that
 * use it, whose metadata has the inherited methods with the given types: not worth a warning.
 */
const notOfAClass = (parameter: ts.Type) => {
  if ((parameter as { isThisType?: boolean }).isThisType) return false; // `this`: the class itself
  const declaration = parameter.getSymbol()?.declarations?.[0];
  return !(declaration && ts.isTypeParameterDeclaration(declaration) && ts.isClassLike(declaration.parent));
};

/** The method of these signatures: the first one's facts, and all of them when there are several (overloads). */
export function signaturesInfo(checker: ts.TypeChecker, signatures: readonly ts.Signature[], at: ts.Node, name: string): MethodInfo | undefined {
  if (signatures.length === 0) return undefined;
  const all = signatures.map((signature) => signatureInfo(checker, signature, at, name));
  const info: MethodInfo = all.length === 1 ? all[0]! : { ...all[0]!, overloads: all };
  return { ...info, contract: methodContract(checker, info, at) };
}

/**
 * A result is a stream when its type is async-iterable, an iterator (a generator), or the `Iterable`
 * interface itself — however it is spelled (aliases, interfaces extending them). Values that are
 * iterable but are values (strings, arrays, tuples, Map, Set, typed arrays) are not: they have no
 * `next`.
 */
export function isStreamType(checker: ts.TypeChecker, type: ts.Type): boolean {
  if (type.flags & (ts.TypeFlags.StringLike | ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return false;
  const names = checker.getPropertiesOfType(type).map((property) => String(property.escapedName));
  if (names.some((name) => name.startsWith("__@asyncIterator"))) return true;
  if (!names.some((name) => name.startsWith("__@iterator"))) return false;
  if (names.includes("next")) return true;
  const named = (type.aliasSymbol ?? type.getSymbol())?.getName();
  return named === "Iterable";
}

/** What a call signature says: parameter names and types, rest, result. */
export function signatureInfo(checker: ts.TypeChecker, signature: ts.Signature, at: ts.Node, name: string): MethodInfo {
  const parameters = signature.getParameters();
  const declarations = parameters.map((symbol) => symbol.valueDeclaration as ts.ParameterDeclaration | undefined);
  const returnType = checker.getReturnTypeOfSignature(signature);
  const stream = isStreamType(checker, returnType);
  const paramTypes = parameters.map((symbol) => checker.getTypeOfSymbolAtLocation(symbol, at));
  const resultType = stream ? undefined : checkedResult(checker, returnType);
  const itemType = stream ? streamItemType(checker, returnType, at) : undefined;
  const unchecked = paramTypes.flatMap((type, i) => (containsTypeParameter(type, notOfAClass) ? [{ what: `parameter '${parameters[i]!.name}'`, node: declarations[i] ?? at }] : []));
  const resultNode = signature.getDeclaration()?.type ?? at;
  if (resultType && containsTypeParameter(resultType, notOfAClass)) unchecked.push({ what: "the result", node: resultNode });
  if (itemType && containsTypeParameter(itemType, notOfAClass)) unchecked.push({ what: "the items", node: resultNode });
  return {
    name,
    remoteName: name,
    params: parameters.map((symbol) => symbol.name),
    paramTypes,
    rest: declarations.length > 0 && declarations[declarations.length - 1]?.dotDotDotToken !== undefined,
    optional: declarations.map((declaration) => declaration !== undefined && !declaration.dotDotDotToken && checker.isOptionalParameter(declaration)),
    bodyless: true,
    stream,
    resultType,
    itemType,
    unchecked,
  };
}

/**
 * The items of a stream type: the `value` of what its iterator's `next()` yields (not the result a
 * generator returns when done), found through the checker whatever the type is called.
 */
function streamItemType(checker: ts.TypeChecker, type: ts.Type, at: ts.Node): ts.Type | undefined {
  const propertyType = (of: ts.Type, match: (name: string) => boolean) => {
    const property = checker.getPropertiesOfType(of).find((candidate) => match(String(candidate.escapedName)));
    return property && checker.getTypeOfSymbolAtLocation(property, at);
  };
  const callResult = (fn: ts.Type | undefined) => {
    const signature = fn?.getCallSignatures()[0];
    return signature && checker.getReturnTypeOfSignature(signature);
  };
  const iterator = propertyType(type, (name) => name === "next")
    ? type
    : callResult(propertyType(type, (name) => name.startsWith("__@asyncIterator")) ?? propertyType(type, (name) => name.startsWith("__@iterator")));
  const next = iterator && callResult(propertyType(iterator, (name) => name === "next"));
  if (!next) return undefined;
  const results = checker.getAwaitedType(next) ?? next;
  const yields = (results.isUnion() ? results.types : [results]).filter((member) => {
    const done = propertyType(member, (name) => name === "done");
    return !(done && done.flags & ts.TypeFlags.BooleanLiteral && checker.typeToString(done) === "true");
  });
  return yields.length === 1 ? propertyType(yields[0]!, (name) => name === "value") : undefined;
}

/**
 * The type the remote result is checked against: the awaited return type; for a method declared
 * to return daffi's AsyncResult<T> (a BG fetcher), T; nothing for PERIOD and BROADCAST handles.
 */
function checkedResult(checker: ts.TypeChecker, returnType: ts.Type): ts.Type | undefined {
  const awaited = checker.getAwaitedType(returnType) ?? returnType;
  const name = awaited.aliasSymbol?.getName() ?? awaited.getSymbol()?.getName();
  if (name === "AsyncResult") return (awaited as ts.TypeReference).typeArguments?.[0] ?? checker.getTypeArguments(awaited as ts.TypeReference)[0];
  if (name === "ScheduledTask" || name === "BroadcastResult") return undefined;
  return awaited;
}

/** Public instance members only: not static, private, protected, `#x`, `_x`, `@local`, nor accessors or fields. */
function isPublicMember(member: ts.ClassElement): member is ts.MethodDeclaration | ts.PropertyDeclaration {
  if (!ts.isMethodDeclaration(member) && !ts.isPropertyDeclaration(member)) return false;
  if (!ts.isIdentifier(member.name) && !ts.isStringLiteral(member.name)) return false;
  if (member.name.text.startsWith("_")) return false;
  const flags = ts.getCombinedModifierFlags(member);
  return !(flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected | ts.ModifierFlags.Static | ts.ModifierFlags.Abstract));
}

/** `@local` makes it local; `@alias("x")` renames it. Undefined when local. */
function remoteNameOf(checker: ts.TypeChecker, member: ts.ClassElement, name: string): string | undefined {
  let remoteName = name;
  for (const decorator of ts.getDecorators(member as ts.HasDecorators) ?? []) {
    const expression = decorator.expression;
    const callee = ts.isCallExpression(expression) ? expression.expression : expression;
    const kind = daffiKindOf(resolveDeclaration(checker, callee));
    if (kind === "local") return undefined;
    if (kind === "alias" && ts.isCallExpression(expression)) {
      const [first] = expression.arguments;
      if (first && ts.isStringLiteralLike(first)) remoteName = first.text;
    }
  }
  return remoteName;
}

/**
 * A class member that is a remote method: a method (callbacks and fetchers), or for fetchers a
 * `declare name: (...) => R` property (a proxy).
 */
export function memberInfo(checker: ts.TypeChecker, member: ts.ClassElement, forFetcher: boolean): MethodInfo | undefined {
  if (!isPublicMember(member)) return undefined;
  const name = (member.name as ts.Identifier | ts.StringLiteral).text;
  const remoteName = remoteNameOf(checker, member, name);
  if (remoteName === undefined) return undefined;
  if (ts.isMethodDeclaration(member)) {
    // Every overload of the method (an implementation's own signature is not one of them when there are overloads).
    const info = signaturesInfo(checker, checker.getTypeAtLocation(member).getCallSignatures(), member, name);
    if (!info) return undefined;
    const bodyless = !member.body || member.body.statements.length === 0;
    return { ...info, remoteName, bodyless };
  }
  if (!forFetcher || member.initializer) return undefined;
  const info = signaturesInfo(checker, checker.getTypeAtLocation(member).getCallSignatures(), member, name);
  return info && { ...info, remoteName };
}

/** The methods of `Fetcher<Api>`'s type argument. */
export function interfaceMethods(checker: ts.TypeChecker, typeNode: ts.TypeNode): MethodInfo[] {
  const type = checker.getTypeFromTypeNode(typeNode);
  const methods: MethodInfo[] = [];
  for (const property of checker.getPropertiesOfType(type)) {
    const info = signaturesInfo(checker, checker.getTypeOfSymbolAtLocation(property, typeNode).getCallSignatures(), typeNode, property.name);
    if (info && !property.name.startsWith("_") && !property.name.startsWith("__@")) methods.push(info);
  }
  return methods;
}

/**
 * The methods a Callback class inherits from a generic base class (`class Users extends Repo<User>`),
 * with the types its own type arguments give them: its metadata checks them as the subclass serves them.
 */
export function instantiatedInheritedMethods(checker: ts.TypeChecker, node: ts.ClassLikeDeclaration, own: Set<string>): MethodInfo[] {
  const methods: MethodInfo[] = [];
  for (const property of checker.getPropertiesOfType(checker.getTypeAtLocation(node))) {
    const declaration = property.valueDeclaration;
    if (own.has(property.name) || !declaration || !ts.isMethodDeclaration(declaration) || !ts.isClassLike(declaration.parent) || !declaration.parent.typeParameters?.length) continue;
    const declared = memberInfo(checker, declaration, false);
    if (!declared) continue; // private, protected, _name or @local
    const instantiated = signaturesInfo(checker, checker.getTypeOfSymbolAtLocation(property, node).getCallSignatures(), node, property.name);
    if (!instantiated || instantiated.paramTypes.some((type) => containsTypeParameter(type)) || (instantiated.resultType && containsTypeParameter(instantiated.resultType))) continue;
    methods.push({ ...instantiated, remoteName: declared.remoteName, bodyless: declared.bodyless, unchecked: [] });
  }
  return methods;
}
