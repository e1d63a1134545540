// `daffi generate --output DIR [--input DIR] [--project tsconfig.json]`: the transformed sources, for
// compilers that cannot run the plugin (tsx, esbuild, vitest, bun, swc). Loads TypeScript only here.
import * as path from "node:path";
import { commandLine } from "./parseCommandLine";
import { UsageError } from "./UsageError";

export const generateUsage = `usage: daffi generate --output DIR [--input DIR] [--project FILE] [--typescript PACKAGE] [--no-check]

Runs daffi's transformer, and the other transformers the tsconfig's "plugins" list (typia's), over
the sources under --input (default: the tsconfig's rootDir) and writes the transformed TypeScript
under --output, the same tree. Build those with any compiler (esbuild, tsx, vitest, bun, swc).
A type error stops it (exit 1, nothing written): validators are written from the types;
--no-check writes anyway.
--project: the tsconfig.json (default ./tsconfig.json). Needs TypeScript 5.9 or 6.0 and @typia/core
in the project (npm i -D typescript@~6.0.3 @typia/core@12.2.1). On TypeScript 7, whose package has no
JavaScript API, install TypeScript 6 beside it under another name and name it:
npm i -D typescript-api@npm:typescript@6.0.3, then --typescript typescript-api.`;

const options = {
  input: { type: "string" },
  output: { type: "string" },
  project: { type: "string", short: "p" },
  typescript: { type: "string" },
  "no-check": { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** The project's TypeScript (or the package --typescript names), refused unless it has the JavaScript API the transformer runs on (5.9, 6.x). */
function checkTypeScript(name: string): void {
  let version: string;
  try {
    version = (require(typeScriptFile(name, "package.json")) as { version: string }).version;
  } catch {
    throw new UsageError(`daffi generate: TypeScript is not installed${name === "typescript" ? "" : ` as '${name}'`}: npm i -D typescript@~6.0.3 @typia/core@12.2.1`, generateUsage);
  }
  const [major = 0, minor = 0] = version.split(".").map(Number);
  if (!((major === 5 && minor >= 9) || major === 6)) {
    throw new UsageError(
      `daffi generate: it runs on TypeScript's JavaScript API, of TypeScript 5.9 or 6.0; the ${name} package here is ${version}` +
        (major >= 7 ? " (the native compiler, which has none): keep it, and install TypeScript 6 beside it, npm i -D typescript-api@npm:typescript@6.0.3, then daffi generate --typescript typescript-api" : ": npm i -D typescript@~6.0.3"),
      generateUsage,
    );
  }
}

/** A file of the TypeScript package `name` as the project (the current folder) resolves it. */
function typeScriptFile(name: string, file: string): string {
  return require.resolve(`${name}/${file}`, { paths: [process.cwd()] });
}

/**
 * Makes `require("typescript")` — daffi's transformer's, @typia/core's, typia's — load the project's
 * TypeScript, or the package --typescript names, in this process only (daffi generate is a process of its own).
 */
function useTypeScript(name: string): void {
  const folder = path.dirname(typeScriptFile(name, "package.json"));
  const Module = require("node:module") as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
    if (request === "typescript" || request.startsWith("typescript/")) request = folder + request.slice("typescript".length);
    return resolve.call(this, request, ...rest);
  };
}

export async function generateCommand(argv: string[]): Promise<number> {
  const line = commandLine("generate", argv, options, generateUsage);
  if (!line) return 0; // --help
  const { values } = line;
  if (typeof values.output !== "string") throw new UsageError("daffi generate: where to? give --output DIR", generateUsage);
  const typescript = (values.typescript as string | undefined) ?? "typescript";
  if (!/^(@[\w.-]+\/)?[\w.-]+$/.test(typescript)) throw new UsageError(`daffi generate: --typescript takes a package name, got ${JSON.stringify(typescript)}`, generateUsage);
  checkTypeScript(typescript);
  useTypeScript(typescript);
  const { generate, GenerateUsageError } = require("../../transformer/generate") as typeof import("../../transformer/generate");
  try {
    const result = generate({ project: (values.project as string | undefined) ?? "tsconfig.json", input: values.input as string | undefined, output: values.output, noCheck: values["no-check"] === true });
    if (result.diagnostics !== "") process.stderr.write(result.diagnostics);
    if (result.written.length === 0) {
      process.stderr.write("daffi generate: nothing written: the program has type errors (the validators are written from the types; --no-check writes anyway)\n");
      return 1;
    }
    process.stdout.write(`daffi generate: ${result.written.length} file(s) written to ${path.relative(process.cwd(), path.resolve(values.output)) || "."}\n`);
    return result.failed ? 1 : 0;
  } catch (error) {
    if (error instanceof GenerateUsageError) throw new UsageError(`daffi generate: ${error.message}`, generateUsage);
    throw error;
  }
}
