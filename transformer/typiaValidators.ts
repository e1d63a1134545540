// Writes typia validators straight from the checker's types (typia's programmers, not `typia.createValidate<T>()` calls:
// a type node synthesized by a transformer cannot be resolved by the checker typia's own transform relies on).
// The helpers those validators call are imported from daffi's copy (`daffi/typia/_validateReport`), so a
// service runs without typia installed.
import type { ITypiaContext } from "@typia/core";
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { containsTypeParameter } from "./methodMetadata";

type TypiaCore = typeof import("@typia/core");

/** The @typia/core daffi is built and tested with: its programmers' API changes between minor versions. */
const TYPIA_CORE = { tested: "12.2.1", accepts: /^12\.2\./ };

/**
 * @typia/core, which the user installs beside TypeScript (a dev tool: needed to compile, never to run,
 * so not a dependency, not even a peer one, which npm would keep in a production install).
 */
function typiaCore(): TypiaCore {
  const install = `npm i -D @typia/core@${TYPIA_CORE.tested}`;
  let version: string;
  try {
    version = (require("@typia/core/package.json") as { version: string }).version;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw error;
    throw new Error(`daffi/transformer writes its validators with typia's @typia/core, which is not installed: ${install}`);
  }
  if (!TYPIA_CORE.accepts.test(version)) {
    throw new Error(`daffi/transformer is built for @typia/core ${TYPIA_CORE.tested}; this is @typia/core ${version}: ${install}`);
  }
  return require("@typia/core") as TypiaCore;
}

/** The folder of typia's runtime helpers daffi ships (dist/runtime/typia, exported as `daffi/typia/*`). */
const SHIPPED_HELPERS = path.join(__dirname, "..", "runtime", "typia");
const TYPIA_INTERNAL = "typia/lib/internal/";
let shipped: ReadonlySet<string> | undefined;

/** The helpers daffi ships, by name (`_validateReport`), read once per compilation process. */
function shippedHelpers(): ReadonlySet<string> {
  if (!shipped) {
    const files = fs.existsSync(SHIPPED_HELPERS) ? fs.readdirSync(SHIPPED_HELPERS) : [];
    shipped = new Set(files.filter((file) => file.endsWith(".js")).map((file) => file.slice(0, -".js".length)));
  }
  return shipped;
}

/** The import of one of typia's internal helpers, pointed at daffi's copy when daffi ships that helper. */
function toShippedHelper(statement: ts.Statement, factory: ts.NodeFactory): ts.Statement {
  if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) return statement;
  const file = statement.moduleSpecifier.text;
  if (!file.startsWith(TYPIA_INTERNAL)) return statement;
  const name = file.slice(TYPIA_INTERNAL.length);
  // A helper daffi does not ship (a custom tag's own) keeps typia's path: typia is then needed at run time.
  if (!shippedHelpers().has(name)) return statement;
  return factory.updateImportDeclaration(statement, statement.modifiers, statement.importClause, factory.createStringLiteral(`daffi/typia/${name}`), statement.attributes);
}

export interface ValidatorWriter {
  /** A validator expression for the type, or `null` when the type cannot be checked (generic, unsupported). */
  write(type: ts.Type): ts.Expression;
  /** The imports the written validators need, to put at the top of the file. */
  imports(): ts.Statement[];
}

export function validatorWriter(program: ts.Program, context: ts.TransformationContext, exact: boolean, addDiagnostic: (diagnostic: ts.Diagnostic) => void): ValidatorWriter {
  const { ImportProgrammer, ValidateProgrammer } = typiaCore();
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
    imports: () => (used ? importer.toStatements().map((statement) => toShippedHelper(statement, context.factory)) : []),
  };
}
