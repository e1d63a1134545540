// Writes typia validators straight from the checker's types (typia's programmers, not `typia.createValidate<T>()` calls:
// a type node synthesized by a transformer cannot be resolved by the checker typia's own transform relies on).
import { ImportProgrammer, ValidateProgrammer } from "@typia/core";
import type { ITypiaContext } from "@typia/core";
import ts from "typescript";
import { containsTypeParameter } from "./methodMetadata";

export interface ValidatorWriter {
  /** A validator expression for the type, or `null` when the type cannot be checked (generic, unsupported). */
  write(type: ts.Type): ts.Expression;
  /** The imports the written validators need, to put at the top of the file. */
  imports(): ts.Statement[];
}

export function validatorWriter(program: ts.Program, context: ts.TransformationContext, exact: boolean, addDiagnostic: (diagnostic: ts.Diagnostic) => void): ValidatorWriter {
  const checker = program.getTypeChecker();
  const importer = new ImportProgrammer({ internalPrefix: "daffi_typia_" });
  const typia: ITypiaContext = {
    program,
    compilerOptions: program.getCompilerOptions(),
    checker,
    printer: ts.createPrinter(),
    options: {},
    transformer: context,
    importer,
    extras: { addDiagnostic: (diagnostic) => (addDiagnostic(diagnostic), 0) },
  };
  let used = false;
  return {
    write(type) {
      if (containsTypeParameter(type)) return context.factory.createNull();
      // typia names the generated checker after `modulo`'s text; a synthesized node has none, so give it one.
      const modulo = Object.assign(context.factory.createIdentifier("typia"), { getText: () => "typia.createValidate" });
      try {
        const validator = ValidateProgrammer.write({ context: typia, modulo, type, name: undefined, config: { equals: exact } });
        used = true;
        return validator;
      } catch {
        return context.factory.createNull();
      }
    },
    imports: () => (used ? importer.toStatements() : []),
  };
}
