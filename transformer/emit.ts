// Builds the code the transformer adds: a static block handing the class metadata to the daffi base class.
import ts from "typescript";
import type { MethodInfo } from "./methodMetadata";

/** `{ methods: [{ name, remoteName, params, bodyless }, …] }` */
export function metadataLiteral(factory: ts.NodeFactory, methods: MethodInfo[]): ts.ObjectLiteralExpression {
  const methodLiterals = methods.map((method) =>
    factory.createObjectLiteralExpression([
      factory.createPropertyAssignment("name", factory.createStringLiteral(method.name)),
      factory.createPropertyAssignment("remoteName", factory.createStringLiteral(method.remoteName)),
      factory.createPropertyAssignment("params", factory.createArrayLiteralExpression(method.params.map((param) => factory.createStringLiteral(param)))),
      factory.createPropertyAssignment("bodyless", method.bodyless ? factory.createTrue() : factory.createFalse()),
    ]),
  );
  return factory.createObjectLiteralExpression([factory.createPropertyAssignment("methods", factory.createArrayLiteralExpression(methodLiterals, true))], true);
}

/** `static { super[Symbol.for("daffi.define")](metadata); }`: runs when the class is defined, with `this` = the class. */
export function defineStaticBlock(factory: ts.NodeFactory, metadata: ts.Expression): ts.ClassStaticBlockDeclaration {
  const symbolFor = factory.createCallExpression(
    factory.createPropertyAccessExpression(factory.createIdentifier("Symbol"), "for"),
    undefined,
    [factory.createStringLiteral("daffi.define")],
  );
  const call = factory.createCallExpression(factory.createElementAccessExpression(factory.createSuper(), symbolFor), undefined, [metadata]);
  return factory.createClassStaticBlockDeclaration(factory.createBlock([factory.createExpressionStatement(call)], true));
}
