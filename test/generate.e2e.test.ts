// `daffi generate` for builds without tspc: the transformed sources, built by esbuild (which runs no
// TypeScript plugin), validate calls exactly as a tspc build of the same project does; CommonJS and ESM.
import { afterAll, describe, expect, it } from "@jest/globals";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO } from "./helpers/compile";
import { CLI, killAll, Spawned } from "./helpers/Spawned";
import { tempSocketFolder } from "./helpers/system";
import { calculatorApp, freshProject, linkDependencies, readmeBlock, unpackDaffi } from "./helpers/userProject";

afterAll(killAll);

const CALCULATOR = `
import type { tags } from "typia";

export interface Calculator {
  add(a: number & tags.Type<"int32">, b: number): number;
}
`;

// typia's own transform runs too (listed in the tsconfig): typia.is<T>() throws when it did not.
const APP = calculatorApp(
  `
  console.log("sum", await calculator.add(2, 3));
  for (const wrong of [["2", 3], [2.5, 3]]) {
    try {
      await (calculator.add as unknown as (...args: unknown[]) => Promise<number>)(...wrong);
    } catch (error) {
      console.log(error instanceof ValidationError ? \`refused \${error.path} \${error.expected}\` : String(error));
    }
  }
  console.log("typia.is", typia.is<number>("x"));`,
  `import typia from "typia";`,
);

/** The README's tsconfig, with typia's transform after daffi's. */
function tsconfig(): string {
  const config = JSON.parse(readmeBlock("tsconfig", "json")) as { compilerOptions: { plugins: object[] } };
  config.compilerOptions.plugins.push({ transform: "typia/lib/transform" });
  return JSON.stringify(config, null, 2);
}

/** A project with daffi (this repository), typia, TypeScript and @typia/core in its node_modules. */
function project(type: "commonjs" | "module"): string {
  const folder = freshProject("daffi-generate-", type);
  fs.mkdirSync(path.join(folder, "node_modules"));
  fs.symlinkSync(REPO, path.join(folder, "node_modules", "daffi"));
  for (const name of ["typia", "typescript", "ts-patch", "@typia"]) fs.symlinkSync(path.join(REPO, "node_modules", name), path.join(folder, "node_modules", name));
  writeSources(folder);
  return folder;
}

function writeSources(folder: string): void {
  fs.mkdirSync(path.join(folder, "src"));
  fs.writeFileSync(path.join(folder, "src", "calculator.ts"), CALCULATOR);
  fs.writeFileSync(path.join(folder, "src", "app.ts"), APP);
  fs.writeFileSync(path.join(folder, "tsconfig.json"), tsconfig());
}

async function runApp(file: string): Promise<string[]> {
  const app = new Spawned("app", [file, tempSocketFolder()]);
  await app.succeeds(20_000);
  return app.stdout;
}

const EXPECTED = ["sum 5", 'refused $input[0] (number & Type<"int32">)', 'refused $input[0] number & Type<"int32">', "typia.is false"];

/** esbuild (no TypeScript plugin runs in it) builds generated/ into out-esbuild/. */
function esbuild(folder: string, format: "cjs" | "esm"): void {
  const binary = path.join(REPO, "node_modules", "esbuild", "bin", "esbuild");
  execFileSync(binary, ["generated/app.ts", "generated/calculator.ts", "--outdir=out-esbuild", "--platform=node", `--format=${format}`, "--log-level=warning"], { cwd: folder });
}

/** The daffi CLI in `cwd`: this repository's, or with `installed` the project's own node_modules/daffi. */
function daffi(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const installed = args[0] === "--installed";
  if (installed) args.shift();
  const cli = installed ? path.join(cwd, "node_modules", "daffi", "dist", "runtime", "cli", "daffi.js") : CLI;
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("daffi generate", () => {
  it.each([
    ["commonjs", "cjs"],
    ["module", "esm"],
  ] as const)("%s: esbuild builds the generated sources, and calls are validated as in a tspc build", async (type, format) => {
    const folder = project(type);
    const generated = daffi(folder, "generate", "--output", "generated");
    expect(generated).toMatchObject({ status: 0, stderr: "" });
    expect(generated.stdout).toBe("daffi generate: 2 file(s) written to generated\n");
    expect(fs.readFileSync(path.join(folder, "generated", "app.ts"), "utf8")).toContain('from "daffi/typia/_isTypeInt32"');

    esbuild(folder, format);
    execFileSync(process.execPath, [path.join(REPO, "node_modules", "ts-patch", "bin", "tspc.js"), "-p", "tsconfig.json"], { cwd: folder });

    expect(await runApp(path.join(folder, "out", "app.js"))).toEqual(EXPECTED);
    expect(await runApp(path.join(folder, "out-esbuild", "app.js"))).toEqual(EXPECTED);
  }, 60_000);

  it("on TypeScript 7 (a package without the JavaScript API) it says what to do, and runs on the TypeScript 6 named by --typescript", async () => {
    // daffi as npm installs it (so its require("typescript") finds the project's), and TypeScript 7's
    // package as npm gives it: its main export is its version, nothing else.
    const folder = freshProject("daffi-generate-", "commonjs");
    unpackDaffi(folder);
    linkDependencies(folder, "typescript6", ["ts-patch", "typia", "@typia", "@standard-schema"]);
    const modules = path.join(folder, "node_modules");
    fs.symlinkSync(path.join(REPO, "node_modules", "typescript6"), path.join(modules, "typescript-api"));
    fs.mkdirSync(path.join(modules, "typescript", "lib"), { recursive: true });
    fs.writeFileSync(path.join(modules, "typescript", "package.json"), JSON.stringify({ name: "typescript", version: "7.0.2", exports: { "./package.json": "./package.json", ".": "./lib/version.cjs" } }));
    fs.writeFileSync(path.join(modules, "typescript", "lib", "version.cjs"), 'module.exports = { version: "7.0.2" };\n');
    writeSources(folder);
    const refused = daffi(folder, "--installed", "generate", "--output", "generated");
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("the typescript package here is 7.0.2 (the native compiler, which has none): keep it, and install TypeScript 6 beside it, npm i -D typescript-api@npm:typescript@6.0.3, then daffi generate --typescript typescript-api");
    expect(daffi(folder, "--installed", "generate", "--output", "generated", "--typescript", "typescript-api")).toMatchObject({ status: 0, stderr: "" });
    esbuild(folder, "cjs");
    expect(await runApp(path.join(folder, "out-esbuild", "app.js"))).toEqual(EXPECTED);
  }, 60_000);

  it("refuses what it cannot do, on stderr with exit code 2, and writes nothing", () => {
    const folder = project("commonjs");
    const cases: Array<[string[], RegExp]> = [
      [["generate"], /where to\? give --output DIR/],
      [["generate", "--output", "src"], /must not be --input or contain it/],
      [["generate", "--output", "."], /must not be --input or contain it/],
      [["generate", "--output", "gen", "--project", "missing.json"], /missing\.json/],
      [["generate", "--ouput", "gen"], /unknown option '--ouput' \(did you mean '--output'\?\)/],
      [["generat"], /unknown command 'generat' \(did you mean 'generate'\?\)/],
      [["generate", "--output", "src/gen"], /must not be inside --input: each run would transform the last one's output again/],
      [["generate", "--output", "src-link"], /must not be --input or contain it/],
      [["generate", "--output", "gen", "--input", "node_modules"], /has no source file under/],
      [["generate", "--output", "gen", "--typescript", "../x"], /--typescript takes a package name, got "..\/x"/],
      [["generate", "--output", "gen", "--typescript", "nope"], /TypeScript is not installed as 'nope'/],
    ];
    fs.symlinkSync("src", path.join(folder, "src-link"));
    for (const [args, message] of cases) {
      const result = daffi(folder, ...args);
      expect({ args, status: result.status, stdout: result.stdout }).toEqual({ args, status: 2, stdout: "" });
      expect(result.stderr).toMatch(message);
    }
    expect(fs.readdirSync(folder).sort()).toEqual(["node_modules", "package.json", "src", "src-link", "tsconfig.json"]);
    expect(fs.readdirSync(path.join(folder, "src")).sort()).toEqual(["app.ts", "calculator.ts"]);
  });

  it("a type error stops it (validators are written from the types), unless --no-check", () => {
    const folder = project("commonjs");
    fs.appendFileSync(path.join(folder, "src", "app.ts"), 'const broken: number = "not a number";\nvoid broken;\n');
    const refused = daffi(folder, "generate", "--output", "generated");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/app\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
    expect(refused.stderr).toContain("nothing written: the program has type errors");
    expect(fs.existsSync(path.join(folder, "generated"))).toBe(false);
    const forced = daffi(folder, "generate", "--output", "generated", "--no-check");
    expect(forced.status).toBe(1); // written, and still said
    expect(forced.stdout).toBe("daffi generate: 2 file(s) written to generated\n");
    expect(fs.readFileSync(path.join(folder, "generated", "app.ts"), "utf8")).toMatch(/^\/\/ @ts-nocheck\n/);
  });

  it("runs the export a plugin entry names with \"import\", as ts-patch does, and refuses transformProgram plugins", () => {
    const folder = project("commonjs");
    fs.mkdirSync(path.join(folder, "plugin"));
    const plugin = `
      exports.default = () => { throw new Error("the default export is not the transformer"); };
      exports.marker = (program, config) => (context) => (file) =>
        context.factory.updateSourceFile(file, [...file.statements, context.factory.createExpressionStatement(context.factory.createStringLiteral("marked " + config.label))]);
    `;
    fs.writeFileSync(path.join(folder, "plugin", "index.js"), plugin);
    const config = JSON.parse(tsconfig()) as { compilerOptions: { plugins: object[] } };
    config.compilerOptions.plugins.push({ transform: "./plugin/index.js", import: "marker", label: "by import" });
    fs.writeFileSync(path.join(folder, "tsconfig.marker.json"), JSON.stringify(config));
    expect(daffi(folder, "generate", "--project", "tsconfig.marker.json", "--input", "src", "--output", "generated")).toMatchObject({ status: 0, stderr: "" });
    expect(fs.readFileSync(path.join(folder, "generated", "app.ts"), "utf8")).toContain('"marked by import"');
    config.compilerOptions.plugins.push({ transform: "./plugin/index.js", transformProgram: true });
    fs.writeFileSync(path.join(folder, "tsconfig.program.json"), JSON.stringify(config));
    const refused = daffi(folder, "generate", "--project", "tsconfig.program.json", "--input", "src", "--output", "other");
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/transforms the program \(transformProgram\)/);
  });
});
