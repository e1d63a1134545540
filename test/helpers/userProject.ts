// A user's project in a temporary folder: the packed daffi and the README's own instructions.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO } from "./compile";

/** `npm pack` of this repository (its dist/ as built) into `destination`; the tarball's path. */
export function packDaffi(destination: string): string {
  const [{ filename }] = JSON.parse(execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", destination], { cwd: REPO, encoding: "utf8" })) as Array<{ filename: string }>;
  return path.join(destination, filename!);
}

/** The packed daffi, unpacked into the project's node_modules/daffi (as npm would put it, without its dependencies). */
export function unpackDaffi(project: string): void {
  const tarball = packDaffi(project);
  fs.mkdirSync(path.join(project, "node_modules", "daffi"), { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", path.join(project, "node_modules", "daffi"), "--strip-components=1"]);
}

/** The fenced block of the README right after its `<!-- mark -->` comment. */
export function readmeBlock(mark: string, language: string): string {
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  const block = new RegExp(`<!-- ${mark} -->\\s*\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!block) throw new Error(`README.md has no ${language} block after <!-- ${mark} -->`);
  return block[1]!;
}

/** A fresh project folder with a package.json of the given module type. */
export function freshProject(prefix: string, type: "commonjs" | "module"): string {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: path.basename(project).toLowerCase(), private: true, type }));
  return project;
}

/** The packages `npm install daffi` would bring (hoisted ones), plus the user's own dev tools: TypeScript (`typescriptPackage` of ours), ts-patch and @typia/core (with its own dependencies). */
export function linkDependencies(project: string, typescriptPackage: string, devTools = ["typescript", "ts-patch", "@typia/core", "@typia/interface", "@typia/utils"]): void {
  const production = execFileSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], { cwd: REPO, encoding: "utf8" })
    .split("\n")
    .filter((line) => line.startsWith(path.join(REPO, "node_modules") + path.sep));
  const hoisted = production.map((dir) => path.relative(path.join(REPO, "node_modules"), dir)).filter((name) => !name.includes(`${path.sep}node_modules${path.sep}`));
  for (const name of new Set([...hoisted, ...devTools])) {
    const link = path.join(project, "node_modules", name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.join(REPO, "node_modules", name === "typescript" ? typescriptPackage : name), link);
  }
}

/**
 * A user's app in one file (src/app.ts, beside its calculator.ts): an autoInit CalculatorService, a
 * `Fetcher<Calculator>` client, and a Global with a controller on the socket folder given as argv[2];
 * `body` uses `calculator` (and ValidationError), after `imports`.
 */
export function calculatorApp(body: string, imports = ""): string {
  return `${imports}
import { Callback, Fetcher, Global, ValidationError } from "daffi";
import type { Calculator } from "./calculator.js";

class CalculatorService extends Callback implements Calculator {
  static autoInit = true;
  add(a: number, b: number): number {
    return a + b;
  }
}
void CalculatorService;

class CalculatorClient extends Fetcher<Calculator> {}

async function main(): Promise<void> {
  const g = await Global.start({ initController: true, processName: "user-app", unixSockPath: process.argv[2], logLevel: "silent" });
  const calculator = new CalculatorClient();
${body}
  await g.stop();
}
void main();
`;
}
