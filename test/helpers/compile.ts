// Compiles small TypeScript sources in memory with the daffi transformer, and loads the output.
import * as path from "node:path";
import ts from "typescript";
import daffiTransformer, { type DaffiTransformerConfig } from "../../transformer";

/** The repository root: sources placed here resolve `daffi` to this package. */
export const REPO = path.join(__dirname, "..", "..", "..");

const baseOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
  strict: true,
  skipLibCheck: true,
  types: ["node"],
  outDir: path.join(REPO, "virtual-out"),
  rootDir: REPO,
};

export interface Compiled {
  js: string;
  diagnostics: string[];
}

/** `files`: name → source, the first is the entry; all live in a virtual folder of the repository. */
export function compile(files: Record<string, string>, config: DaffiTransformerConfig = {}, typia?: "before" | "after", compilerOptions: ts.CompilerOptions = {}): Compiled {
  const options = { ...baseOptions, ...compilerOptions };
  const folder = path.join(REPO, "test", "virtual");
  const virtual = new Map(Object.entries(files).map(([name, text]) => [path.join(folder, name), text]));
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile, directoryExists } = host;
  host.getSourceFile = (name, language, ...rest) =>
    virtual.has(name) ? ts.createSourceFile(name, virtual.get(name)!, language, true) : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
  host.readFile = (name) => virtual.get(name) ?? readFile.call(host, name);
  host.directoryExists = (name) => name === folder || (directoryExists?.call(host, name) ?? true);
  const entry = [...virtual.keys()][0]!;
  const program = ts.createProgram([...virtual.keys()], options, host);
  const outputs = new Map<string, string>();
  // What the transformer says (through ts-patch's addDiagnostic in a real build), with file(line,col).
  const said: string[] = [];
  const daffi = daffiTransformer(program, config, {
    addDiagnostic: (d) => {
      const { line, character } = d.file!.getLineAndCharacterOfPosition(d.start!);
      return said.push(`${path.basename(d.file!.fileName)}(${line + 1},${character + 1}): TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    },
  });
  // typia's own transformer, for code that also calls typia directly: in either order with daffi's.
  const typiaTransform = typia && (require("typia/lib/transform") as { default: (p: ts.Program, o: object, e: object) => ts.TransformerFactory<ts.SourceFile> }).default(program, {}, { addDiagnostic: () => 0 });
  const before = !typiaTransform ? [daffi] : typia === "before" ? [typiaTransform, daffi] : [daffi, typiaTransform];
  program.emit(undefined, (name, text) => outputs.set(path.basename(name), text), undefined, false, { before });
  const diagnostics = [...ts.getPreEmitDiagnostics(program).map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`), ...said];
  return { js: outputs.get(path.basename(entry).replace(/\.ts$/, ".js")) ?? "", diagnostics };
}

/** Runs compiled CommonJS with some modules replaced (e.g. "daffi" by a recorder); returns its exports. */
export function load(js: string, replaced: Record<string, unknown>): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  const requireReplaced = (id: string): unknown => (id in replaced ? replaced[id] : require(id));
  new Function("require", "module", "exports", js)(requireReplaced, module, module.exports);
  return module.exports;
}
