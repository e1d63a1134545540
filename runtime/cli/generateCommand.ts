// `daffi generate --output DIR [--input DIR] [--project tsconfig.json]`: the transformed sources, for
// compilers that cannot run the plugin (tsx, esbuild, vitest, bun, swc). Loads TypeScript only here.
import * as path from "node:path";
import { parseCommandLine } from "./parseCommandLine";
import { UsageError } from "./UsageError";

export const generateUsage = `usage: daffi generate --output DIR [--input DIR] [--project FILE]

Runs daffi's transformer, and the other transformers the tsconfig's "plugins" list (typia's), over
the sources under --input (default: the tsconfig's rootDir) and writes the transformed TypeScript
under --output, the same tree. Build those with any compiler (esbuild, tsx, vitest, bun, swc).
--project: the tsconfig.json (default ./tsconfig.json). Needs TypeScript 5.9 or 6.0 and @typia/core
in the project (npm i -D typescript@~6.0.3 @typia/core@12.2.1).`;

const options = {
  input: { type: "string" },
  output: { type: "string" },
  project: { type: "string", short: "p" },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** The project's TypeScript, refused unless it has the JavaScript API the transformer runs on (5.9, 6.x). */
function checkTypeScript(): void {
  let version: string;
  try {
    version = (require("typescript/package.json") as { version: string }).version;
  } catch {
    throw new UsageError("daffi generate: TypeScript is not installed: npm i -D typescript@~6.0.3 @typia/core@12.2.1", generateUsage);
  }
  const [major = 0, minor = 0] = version.split(".").map(Number);
  if (!((major === 5 && minor >= 9) || major === 6)) {
    throw new UsageError(
      `daffi generate: it runs on TypeScript's JavaScript API, of TypeScript 5.9 or 6.0; the typescript package here is ${version}` +
        `${major >= 7 ? " (the native compiler, which has none)" : ""}: npm i -D typescript@~6.0.3`,
      generateUsage,
    );
  }
}

export async function generateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine("generate", argv, options, generateUsage);
  if (values.help) {
    process.stdout.write(`${generateUsage}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`daffi generate: unexpected argument '${positionals[0]}'`, generateUsage);
  if (typeof values.output !== "string") throw new UsageError("daffi generate: where to? give --output DIR", generateUsage);
  checkTypeScript();
  const { generate, GenerateUsageError } = require("../../transformer/generate") as typeof import("../../transformer/generate");
  try {
    const result = generate({ project: (values.project as string | undefined) ?? "tsconfig.json", input: values.input as string | undefined, output: values.output });
    if (result.diagnostics !== "") process.stderr.write(result.diagnostics);
    process.stdout.write(`daffi generate: ${result.written.length} file(s) written to ${path.relative(process.cwd(), path.resolve(values.output)) || "."}\n`);
    return result.failed ? 1 : 0;
  } catch (error) {
    if (error instanceof GenerateUsageError) throw new UsageError(`daffi generate: ${error.message}`, generateUsage);
    throw error;
  }
}
