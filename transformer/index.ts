// The daffi transformer (ts-patch: `"plugins": [{ "transform": "daffi/transformer" }]`, compiled with tspc).
// For every Callback/Fetcher class and every callback()/fetcher() call it records the remote methods
// (names, @alias, parameters, body-less or not) with typia validators of their parameters and results,
// and hands them to the runtime: a static block for classes, an extra argument for the functions.
import ts from "typescript";
import { daffiKindOf, extendsDaffiClass, resolveDeclaration } from "./daffiKind";
import { classLiteral, defineStaticBlock, functionLiteral, methodLiteral } from "./emit";
import { instantiatedInheritedMethods, interfaceMethods, type MethodInfo, memberInfo, signaturesInfo } from "./methodMetadata";
import { validatorWriter } from "./typiaValidators";

export interface DaffiTransformerConfig {
  /** Refuse properties an object type does not declare (typia's validateEquals). Default false. */
  exact?: boolean;
  /**
   * A parameter, result or item typed by a type parameter cannot be checked at run time: by default a
   * warning says where (and fails tspc's exit code, as any diagnostic does); "allow" accepts them all
   * unchecked. One method accepts it with a `/** @unchecked *\/` comment.
   */
  unchecked?: "warn" | "allow";
}

/**
 * True when the declaration around `node` (its method, function or statement) says, with a
 * `@unchecked` comment, that it knows what cannot be checked.
 */
function acknowledged(node: ts.Node): boolean {
  const text = node.getSourceFile().text;
  for (let current: ts.Node | undefined = node, depth = 0; current && depth < 6 && !ts.isSourceFile(current); current = current.parent, depth++) {
    for (const range of ts.getLeadingCommentRanges(text, current.pos) ?? []) {
      if (/@unchecked\b/.test(text.slice(range.pos, range.end))) return true;
    }
    if (ts.isClassElement(current) || ts.isTypeElement(current) || ts.isStatement(current)) return false;
  }
  return false;
}

/** The code of the warning for a signature the transformer cannot check. */
export const UNCHECKED_DIAGNOSTIC = 990_001;

interface Extras {
  addDiagnostic?: (diagnostic: ts.Diagnostic) => number;
}

export default function daffiTransformer(program: ts.Program, config: DaffiTransformerConfig = {}, extras: Extras = {}): ts.TransformerFactory<ts.SourceFile> {
  const [major, minor] = ts.versionMajorMinor.split(".").map(Number) as [number, number];
  if (!((major === 5 && minor >= 9) || major === 6)) {
    throw new Error(
      `daffi/transformer runs in TypeScript 5.9 or 6.0 (the JavaScript compiler ts-patch patches); this is TypeScript ${ts.version}. ` +
        `Install one: npm i -D typescript@~6.0.3 ts-patch@3.3.0.`,
    );
  }
  const checker = program.getTypeChecker();
  const addDiagnostic = (diagnostic: ts.Diagnostic) => void extras.addDiagnostic?.(diagnostic);
  // Said once per place in the program, however many classes or files use it.
  const reported = new Set<ts.Node>();
  const reportUnchecked = (method: MethodInfo, owner: string) => {
    for (const signature of method.overloads ?? [method]) {
      for (const { what, node } of signature.unchecked) {
        if (reported.has(node) || node.pos < 0 || config.unchecked === "allow" || acknowledged(node)) continue;
        reported.add(node);
        addDiagnostic({
          category: ts.DiagnosticCategory.Warning,
          code: UNCHECKED_DIAGNOSTIC,
          file: node.getSourceFile(),
          start: node.getStart(),
          length: node.getWidth(),
          messageText: `daffi: ${what} of '${owner}' is typed by a type parameter, which cannot be checked at run time: it would not be validated (give it a concrete type, or mark the method /** @unchecked */ to accept that)`,
          source: "daffi",
        });
      }
    }
  };
  return (context) => (sourceFile) => {
    if (sourceFile.isDeclarationFile) return sourceFile;
    const { factory } = context;
    const validators = validatorWriter(program, context, config.exact === true, addDiagnostic);

    const classMethods = (node: ts.ClassLikeDeclaration, forFetcher: boolean): MethodInfo[] => {
      // An overloaded method is several declarations of one name: it is one method (the implementation, with all the overloads).
      const byName = new Map<string, MethodInfo>();
      for (const member of node.members) {
        const info = memberInfo(checker, member, forFetcher);
        if (!info) continue;
        const earlier = byName.get(info.name);
        if (!earlier || (ts.isMethodDeclaration(member) && member.body)) byName.set(info.name, info);
      }
      const members = [...byName.values()];
      if (!forFetcher) return [...members, ...instantiatedInheritedMethods(checker, node, new Set(byName.keys()))];
      const heritage = node.heritageClauses?.find((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
      const api = daffiKindOf(resolveDeclaration(checker, heritage!.expression)) === "fetcher-class" ? heritage?.typeArguments?.[0] : undefined;
      const own = new Set(node.members.map((member) => (member.name && ts.isIdentifier(member.name) ? member.name.text : "")));
      const inherited = api ? interfaceMethods(checker, api).filter((method) => !own.has(method.name)) : [];
      return [...members, ...inherited];
    };

    const withDefineBlock = (original: ts.ClassLikeDeclaration, members: ts.NodeArray<ts.ClassElement>, forFetcher: boolean): ts.ClassElement[] => {
      const className = original.name?.text ?? "(anonymous class)";
      const literals = classMethods(original, forFetcher).map((method) => {
        reportUnchecked(method, `${className}.${method.name}`);
        return methodLiteral(factory, method, validators, forFetcher);
      });
      return [...members, defineStaticBlock(factory, classLiteral(factory, literals))];
    };

    const kindOfClass = (node: ts.ClassLikeDeclaration): "callback" | "fetcher" | undefined => {
      if (extendsDaffiClass(checker, node, "callback-class")) return "callback";
      if (extendsDaffiClass(checker, node, "fetcher-class")) return "fetcher";
      return undefined;
    };

    const functionCall = (node: ts.CallExpression, visited: ts.CallExpression): ts.CallExpression | undefined => {
      const kind = daffiKindOf(resolveDeclaration(checker, node.expression));
      if (kind === "callback-function") {
        // callback(fn), callback(name, fn), callback(name, fn, { concurrency, queue }).
        const fn = node.arguments.length === 3 ? node.arguments[1] : node.arguments[node.arguments.length - 1];
        const method = fn && node.arguments.length <= 3 ? signaturesInfo(checker, checker.getTypeAtLocation(fn).getCallSignatures(), fn, "") : undefined;
        if (!method) return undefined;
        reportUnchecked(method, ts.isFunctionExpression(fn!) && fn.name ? fn.name.text : "callback");
        return factory.updateCallExpression(visited, visited.expression, visited.typeArguments, [...visited.arguments, functionLiteral(factory, methodLiteral(factory, method, validators, false))]);
      }
      if (kind === "fetcher-function") {
        const typeArgument = node.typeArguments?.[0];
        const method = typeArgument ? signaturesInfo(checker, checker.getTypeFromTypeNode(typeArgument).getCallSignatures(), typeArgument, "") : undefined;
        if (!method || node.arguments.length > 2) return undefined;
        reportUnchecked(method, node.arguments[0] && ts.isStringLiteralLike(node.arguments[0]) ? node.arguments[0].text : "fetcher");
        const given = node.arguments.length === 1 ? [...visited.arguments, factory.createIdentifier("undefined")] : [...visited.arguments];
        return factory.updateCallExpression(visited, visited.expression, visited.typeArguments, [...given, functionLiteral(factory, methodLiteral(factory, method, validators, true))]);
      }
      return undefined;
    };

    const visit = (node: ts.Node): ts.Node => {
      const visited = ts.visitEachChild(node, visit, context);
      if (ts.isClassDeclaration(node) && ts.isClassDeclaration(visited)) {
        const kind = kindOfClass(node);
        if (kind) {
          return factory.updateClassDeclaration(visited, visited.modifiers, visited.name, visited.typeParameters, visited.heritageClauses, withDefineBlock(node, visited.members, kind === "fetcher"));
        }
      }
      if (ts.isClassExpression(node) && ts.isClassExpression(visited)) {
        const kind = kindOfClass(node);
        if (kind) {
          return factory.updateClassExpression(visited, visited.modifiers, visited.name, visited.typeParameters, visited.heritageClauses, withDefineBlock(node, visited.members, kind === "fetcher"));
        }
      }
      if (ts.isCallExpression(node) && ts.isCallExpression(visited)) return functionCall(node, visited) ?? visited;
      return visited;
    };

    const transformed = ts.visitNode(sourceFile, visit) as ts.SourceFile;
    const imports = validators.imports();
    return imports.length === 0 ? transformed : factory.updateSourceFile(transformed, [...imports, ...transformed.statements]);
  };
}
