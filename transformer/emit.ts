// Builds the code the transformer adds: metadata literals, and the static block handing them to the daffi base class.
import ts from "typescript";
import type { MethodInfo } from "./methodMetadata";
import type { ValidatorWriter } from "./typiaValidators";

const symbolFor = (factory: ts.NodeFactory, key: string) =>
  factory.createCallExpression(factory.createPropertyAccessExpression(factory.createIdentifier("Symbol"), "for"), undefined, [factory.createStringLiteral(key)]);

const bool = (factory: ts.NodeFactory, value: boolean) => (value ? factory.createTrue() : factory.createFalse());

/** `{ params, rest, optional?, args: [validators], result?, item? }`: what one signature says. */
function signatureProperties(factory: ts.NodeFactory, method: MethodInfo, validators: ValidatorWriter, withResult: boolean): ts.PropertyAssignment[] {
  const properties = [
    factory.createPropertyAssignment("params", factory.createArrayLiteralExpression(method.params.map((param) => factory.createStringLiteral(param)))),
    factory.createPropertyAssignment("rest", bool(factory, method.rest)),
    ...(method.optional.some(Boolean) ? [factory.createPropertyAssignment("optional", factory.createArrayLiteralExpression(method.optional.map((value) => bool(factory, value))))] : []),
    factory.createPropertyAssignment("args", factory.createArrayLiteralExpression(method.paramTypes.map((type) => validators.write(type)), true)),
  ];
  if (withResult && method.resultType) properties.push(factory.createPropertyAssignment("result", validators.write(method.resultType)));
  if (withResult && method.itemType) properties.push(factory.createPropertyAssignment("item", validators.write(method.itemType)));
  return properties;
}

/** `{ name, remoteName, params, rest, bodyless, stream, args: [validators], result, overloads? }` */
export function methodLiteral(factory: ts.NodeFactory, method: MethodInfo, validators: ValidatorWriter, withResult: boolean): ts.ObjectLiteralExpression {
  const properties = [
    factory.createPropertyAssignment("name", factory.createStringLiteral(method.name)),
    factory.createPropertyAssignment("remoteName", factory.createStringLiteral(method.remoteName)),
    factory.createPropertyAssignment("bodyless", bool(factory, method.bodyless)),
    factory.createPropertyAssignment("stream", bool(factory, method.stream)),
    ...signatureProperties(factory, method, validators, withResult),
  ];
  // A fetcher method with a body sends what it computes, not its own parameters: it has no contract to compare.
  if (method.contract && (!withResult || method.bodyless)) {
    properties.push(
      factory.createPropertyAssignment(
        "contract",
        factory.createObjectLiteralExpression([
          factory.createPropertyAssignment("text", factory.createStringLiteral(method.contract.text)),
          factory.createPropertyAssignment("fingerprint", factory.createStringLiteral(method.contract.fingerprint)),
        ]),
      ),
    );
  }
  if (method.overloads) {
    const overloads = method.overloads.map((overload) => factory.createObjectLiteralExpression(signatureProperties(factory, overload, validators, withResult), true));
    properties.push(factory.createPropertyAssignment("overloads", factory.createArrayLiteralExpression(overloads, true)));
  }
  return factory.createObjectLiteralExpression(properties, true);
}

/** `{ methods: [...] }` for a class. */
export function classLiteral(factory: ts.NodeFactory, methods: ts.ObjectLiteralExpression[]): ts.ObjectLiteralExpression {
  return factory.createObjectLiteralExpression([factory.createPropertyAssignment("methods", factory.createArrayLiteralExpression(methods, true))], true);
}

/** `{ [Symbol.for("daffi.metadata")]: true, method: {...} }`, appended to callback()/fetcher() calls. */
export function functionLiteral(factory: ts.NodeFactory, method: ts.ObjectLiteralExpression): ts.ObjectLiteralExpression {
  return factory.createObjectLiteralExpression(
    [
      factory.createPropertyAssignment(factory.createComputedPropertyName(symbolFor(factory, "daffi.metadata")), factory.createTrue()),
      factory.createPropertyAssignment("method", method),
    ],
    true,
  );
}

/** `static { super[Symbol.for("daffi.define")](metadata); }`: runs when the class is defined, with `this` = the class. */
export function defineStaticBlock(factory: ts.NodeFactory, metadata: ts.Expression): ts.ClassStaticBlockDeclaration {
  const call = factory.createCallExpression(factory.createElementAccessExpression(factory.createSuper(), symbolFor(factory, "daffi.define")), undefined, [metadata]);
  return factory.createClassStaticBlockDeclaration(factory.createBlock([factory.createExpressionStatement(call)], true));
}
