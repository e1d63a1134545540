// The daffi transformer (ts-patch, `"plugins": [{ "transform": "daffi/transformer" }]`).
// For every class extending daffi's Callback it records which methods are callbacks, under which
// names, and adds a static block that registers the class (and creates it when `autoInit` is set).
import ts from "typescript";
import { extendsDaffiClass } from "./daffiKind";
import { defineStaticBlock, metadataLiteral } from "./emit";
import { methodInfo, type MethodInfo } from "./methodMetadata";

export default function daffiTransformer(program: ts.Program): ts.TransformerFactory<ts.SourceFile> {
  const checker = program.getTypeChecker();
  return (context) => {
    const { factory } = context;
    const visit = (node: ts.Node): ts.Node => {
      const visited = ts.visitEachChild(node, visit, context);
      if (ts.isClassDeclaration(visited) && ts.isClassDeclaration(node) && extendsDaffiClass(checker, node, "callback-class")) {
        return factory.updateClassDeclaration(visited, visited.modifiers, visited.name, visited.typeParameters, visited.heritageClauses, withDefineBlock(node, visited.members));
      }
      if (ts.isClassExpression(visited) && ts.isClassExpression(node) && extendsDaffiClass(checker, node, "callback-class")) {
        return factory.updateClassExpression(visited, visited.modifiers, visited.name, visited.typeParameters, visited.heritageClauses, withDefineBlock(node, visited.members));
      }
      return visited;
    };
    const withDefineBlock = (original: ts.ClassLikeDeclaration, members: ts.NodeArray<ts.ClassElement>): ts.ClassElement[] => {
      const methods = original.members.map((member) => methodInfo(checker, member)).filter((info): info is MethodInfo => info !== undefined);
      return [...members, defineStaticBlock(factory, metadataLiteral(factory, methods))];
    };
    return (sourceFile) => (sourceFile.isDeclarationFile ? sourceFile : (ts.visitNode(sourceFile, visit) as ts.SourceFile));
  };
}
