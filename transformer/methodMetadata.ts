// Reads a class member and tells whether it is exposed/fetched, under which remote name, with which parameters.
import ts from "typescript";
import { daffiKindOf, resolveDeclaration } from "./daffiKind";

export interface MethodInfo {
  name: string;
  remoteName: string;
  params: string[];
  bodyless: boolean;
  declaration: ts.MethodDeclaration;
}

/** Public instance methods only: not static, private, protected, `#x`, `_x`, `@local`, nor accessors. */
export function methodInfo(checker: ts.TypeChecker, member: ts.ClassElement): MethodInfo | undefined {
  if (!ts.isMethodDeclaration(member)) return undefined;
  if (!ts.isIdentifier(member.name) && !ts.isStringLiteral(member.name)) return undefined;
  const name = member.name.text;
  if (name.startsWith("_")) return undefined;
  const flags = ts.getCombinedModifierFlags(member);
  if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected | ts.ModifierFlags.Static | ts.ModifierFlags.Abstract)) return undefined;
  let remoteName = name;
  for (const decorator of ts.getDecorators(member) ?? []) {
    const expression = decorator.expression;
    const callee = ts.isCallExpression(expression) ? expression.expression : expression;
    const kind = daffiKindOf(resolveDeclaration(checker, callee));
    if (kind === "local") return undefined;
    if (kind === "alias" && ts.isCallExpression(expression)) {
      const [first] = expression.arguments;
      if (first && ts.isStringLiteralLike(first)) remoteName = first.text;
    }
  }
  const params = member.parameters.map((parameter) => (ts.isIdentifier(parameter.name) ? parameter.name.text : "arg"));
  return { name, remoteName, params, bodyless: !member.body || member.body.statements.length === 0, declaration: member };
}
