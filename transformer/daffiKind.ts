// Tells which daffi export a symbol is, through aliases and re-exports, by the `@daffiKind` tag on its declaration.
import ts from "typescript";

export type DaffiKind = "callback-class" | "fetcher-class" | "callback-function" | "fetcher-function" | "local" | "alias" | "args";

/** The declaration a name or expression points at, with import aliases followed. */
export function resolveDeclaration(checker: ts.TypeChecker, node: ts.Node): ts.Declaration | undefined {
  let symbol = checker.getSymbolAtLocation(node);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  return symbol?.declarations?.[0];
}

/**
 * Reads `@daffiKind x` from the comment before the declaration. The comment text is scanned
 * directly: tsc does not parse JSDoc of TypeScript files (JSDocParsingMode.ParseForTypeErrors).
 */
export function daffiKindOf(declaration: ts.Declaration | undefined): DaffiKind | undefined {
  if (!declaration) return undefined;
  const statement = ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration;
  const text = statement.getSourceFile().text;
  for (const range of ts.getLeadingCommentRanges(text, statement.pos) ?? []) {
    const match = /@daffiKind\s+([a-z-]+)/.exec(text.slice(range.pos, range.end));
    if (match) return match[1] as DaffiKind;
  }
  return undefined;
}

/** True when the class extends (directly or through other classes) the daffi class of that kind. */
export function extendsDaffiClass(checker: ts.TypeChecker, node: ts.ClassLikeDeclaration, kind: DaffiKind, depth = 0): boolean {
  if (depth > 32) return false;
  const heritage = node.heritageClauses?.find((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
  if (!heritage) return false;
  const declaration = resolveDeclaration(checker, heritage.expression);
  if (daffiKindOf(declaration) === kind) return true;
  if (declaration && (ts.isClassDeclaration(declaration) || ts.isClassExpression(declaration))) {
    return extendsDaffiClass(checker, declaration, kind, depth + 1);
  }
  return false;
}
