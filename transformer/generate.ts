// `daffi generate`: runs the project's compile-time transformers (daffi's, and typia's or any other
// ts-patch "program" plugin its tsconfig lists) over its sources and writes the transformed TypeScript
// to another folder, which any compiler can then build (tsx, esbuild, vitest, bun, swc) — like
// `typia generate`.
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import daffiTransformer from "./index";

export interface GenerateOptions {
  /** The tsconfig.json of the project (its compiler options, files and plugins). */
  project: string;
  /** The folder whose sources are transformed (default: the tsconfig's rootDir). */
  input?: string | undefined;
  /** The folder the transformed sources are written to, mirroring `input`'s tree. */
  output: string;
  /** Write even when the program has type errors (a broken type would be validated as `any`). */
  noCheck?: boolean | undefined;
}

export interface GenerateResult {
  /** The files written, absolute. */
  written: string[];
  /** What the transformers said (warnings such as TS990001) and any error, formatted like tsc's. */
  diagnostics: string;
  /** True when a diagnostic is an error (then, unless noCheck, nothing is written). */
  failed: boolean;
}

type ProgramTransformer = (program: ts.Program, config: Record<string, unknown>, extras: object) => ts.TransformerFactory<ts.SourceFile>;

/** A refusal of the command line or the project (the CLI says it and exits 2). */
export class GenerateUsageError extends Error {
  override name = "GenerateUsageError";
}

const DAFFI_PLUGIN = "daffi/transformer";

/** The tsconfig's plugin entries with a `transform`, daffi's own added when it is not listed. */
function transformerEntries(options: ts.CompilerOptions): Array<Record<string, unknown> & { transform: string }> {
  const plugins = (options.plugins ?? []) as unknown as Array<Record<string, unknown>>;
  const entries = plugins.filter((plugin): plugin is Record<string, unknown> & { transform: string } => typeof plugin.transform === "string");
  if (!entries.some((entry) => entry.transform === DAFFI_PLUGIN)) entries.unshift({ transform: DAFFI_PLUGIN });
  return entries;
}

function loadTransformer(entry: Record<string, unknown> & { transform: string }, projectDir: string): ProgramTransformer {
  if (entry.transform === DAFFI_PLUGIN) return daffiTransformer as ProgramTransformer;
  if (entry.type !== undefined && entry.type !== "program") {
    throw new GenerateUsageError(`the plugin '${entry.transform}' is of type '${String(entry.type)}': daffi generate runs "program" plugins (ts-patch's default) only`);
  }
  if (entry.after === true || entry.afterDeclarations === true) {
    throw new GenerateUsageError(`the plugin '${entry.transform}' runs after TypeScript's own transforms: daffi generate writes TypeScript, so it runs "before" plugins only`);
  }
  if (entry.transformProgram === true) {
    throw new GenerateUsageError(`the plugin '${entry.transform}' transforms the program (transformProgram): daffi generate runs source transformers only`);
  }
  let file: string;
  try {
    file = require.resolve(entry.transform, { paths: [projectDir] });
  } catch {
    throw new GenerateUsageError(`the plugin '${entry.transform}' of the tsconfig cannot be found from ${projectDir}`);
  }
  const loaded = require(file) as ProgramTransformer | Record<string, ProgramTransformer | undefined>;
  // ts-patch: the export named by "import", else the default export, else the module itself.
  const exported = typeof entry.import === "string" ? "import" : "default";
  const factory = typeof entry.import === "string" ? (loaded as Record<string, ProgramTransformer | undefined>)[entry.import] : typeof loaded === "function" ? loaded : loaded.default;
  if (typeof factory !== "function") {
    throw new GenerateUsageError(`the plugin '${entry.transform}' exports no transformer function${exported === "import" ? ` named '${String(entry.import)}'` : ""}`);
  }
  return factory;
}

/** Transforms the project's sources under `input` and writes them under `output`. */
export function generate(options: GenerateOptions): GenerateResult {
  const project = path.resolve(options.project);
  const projectDir = path.dirname(project);
  const read = ts.readConfigFile(project, (file) => ts.sys.readFile(file));
  if (read.error) throw new GenerateUsageError(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, projectDir, undefined, project);
  const configErrors = parsed.errors.filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error);
  if (configErrors.length > 0) throw new GenerateUsageError(ts.formatDiagnostics(configErrors, formatHost(projectDir)));
  const inputOption = options.input ?? parsed.options.rootDir;
  if (inputOption === undefined) throw new GenerateUsageError("which sources? give --input (the tsconfig has no rootDir)");
  const input = path.resolve(inputOption);
  const output = path.resolve(options.output);
  // Compared as the file system sees them: a symbolic link to the sources is the sources.
  const realInput = realPath(input);
  const realOutput = realPath(output);
  if (realOutput === realInput || isInside(realInput, realOutput)) {
    throw new GenerateUsageError(`--output (${output}) must not be --input or contain it: the sources would be overwritten`);
  }
  if (isInside(realOutput, realInput)) {
    throw new GenerateUsageError(`--output (${output}) must not be inside --input: each run would transform the last one's output again`);
  }

  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, projectReferences: parsed.projectReferences ?? [] });
  // Each source under --input, with the real path of its file.
  const sources = program
    .getSourceFiles()
    .filter((sourceFile) => !sourceFile.isDeclarationFile && !program.isSourceFileFromExternalLibrary(sourceFile))
    .map((sourceFile) => ({ sourceFile, file: realPath(sourceFile.fileName) }))
    .filter(({ file }) => isInside(file, realInput));
  if (sources.length === 0) {
    throw new GenerateUsageError(`the tsconfig's program has no source file under ${input} (a tsconfig with only "references" is not followed: give --project the one that lists the sources)`);
  }
  // Types are what the validators are written from: an error there (a package not installed) would make them accept anything.
  const errors = ts.getPreEmitDiagnostics(program).filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0 && !options.noCheck) {
    return { written: [], diagnostics: ts.formatDiagnostics(errors, formatHost(projectDir)), failed: true };
  }
  const diagnostics: ts.Diagnostic[] = [...errors];
  const extras = { ts, addDiagnostic: (diagnostic: ts.Diagnostic) => diagnostics.push(diagnostic), diagnostics, library: "typescript" };
  const factories = transformerEntries(parsed.options).map((entry) => {
    const { transform: _transform, type: _type, import: _import, ...config } = entry;
    return loadTransformer(entry, projectDir)(program, config, extras);
  });
  const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
  const written: string[] = [];
  for (const { sourceFile, file } of sources) {
    const result = ts.transform(sourceFile, factories, parsed.options);
    const transformed = result.transformed[0]!;
    const target = path.join(output, path.relative(realInput, file));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // For compilers, not for type checkers: the validators' code is typed loosely (and the helpers have no .d.ts).
    fs.writeFileSync(target, `${GENERATED_HEADER}${printer.printFile(transformed)}`);
    result.dispose();
    written.push(target);
  }
  return {
    written,
    diagnostics: diagnostics.length === 0 ? "" : ts.formatDiagnostics(diagnostics, formatHost(projectDir)),
    failed: diagnostics.some((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error),
  };
}

const GENERATED_HEADER = "// @ts-nocheck\n// Written by daffi generate: edit the sources, not this file.\n";

/** The path with symbolic links resolved, for as much of it as exists (the rest appended as given). */
function realPath(file: string): string {
  const missing: string[] = [];
  let existing = path.resolve(file);
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) {
    missing.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  return path.join(fs.realpathSync(existing), ...missing);
}

function isInside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}

function formatHost(directory: string): ts.FormatDiagnosticsHost {
  return { getCanonicalFileName: (name) => name, getCurrentDirectory: () => directory, getNewLine: () => "\n" };
}
