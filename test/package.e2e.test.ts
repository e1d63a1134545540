// The package as a user gets it: `npm pack`, unpacked into a project's node_modules next to its
// production dependencies only, compiled with tspc and the daffi/transformer plugin, then run.
import { afterAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO } from "./helpers/compile";
import { killAll, Spawned } from "./helpers/Spawned";
import { tempSocketFolder } from "./helpers/system";


afterAll(killAll);

/** The packages `npm install daffi` would bring (hoisted ones), plus the user's own TypeScript (`typescriptPackage` of ours) and ts-patch. */
function linkDependencies(project: string, typescriptPackage: string): void {
  const production = execFileSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], { cwd: REPO, encoding: "utf8" })
    .split("\n")
    .filter((line) => line.startsWith(path.join(REPO, "node_modules") + path.sep));
  const hoisted = production.map((dir) => path.relative(path.join(REPO, "node_modules"), dir)).filter((name) => !name.includes(`${path.sep}node_modules${path.sep}`));
  for (const name of new Set([...hoisted, "typescript", "ts-patch"])) {
    const link = path.join(project, "node_modules", name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.join(REPO, "node_modules", name === "typescript" ? typescriptPackage : name), link);
  }
}

/** The shared interface, in a file of its own: the app imports it by a relative path (with `.js`, as nodenext wants). */
const CALCULATOR = `
export interface Calculator {
  add(a: number, b: number): number;
}
`;

const APP = `
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
  console.log(await calculator.add(2, 3));
  try {
    await (calculator.add as unknown as (a: string, b: number) => Promise<number>)("2", 3);
  } catch (error) {
    console.log(error instanceof ValidationError ? "ValidationError" : String(error));
  }
  await g.stop();
}
void main();
`;

/** The tsconfig.json the README gives to copy (the JSON block after its `<!-- tsconfig -->` mark). */
function readmeTsconfig(): string {
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  const block = /<!-- tsconfig -->\s*```json\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error("README.md has no tsconfig block after <!-- tsconfig -->");
  return block[1]!;
}

describe("daffi as a dependency", () => {
  // Each supported TypeScript (the JavaScript compilers ts-patch patches): 5.9, and 6.0 (our devDependency alias typescript6).
  it.each([
    ["5.9", "typescript", "commonjs"],
    ["6.0", "typescript6", "commonjs"],
    ["6.0", "typescript6", "module"],
  ])("a project on TypeScript %s (%s, %s) with the packed daffi in node_modules and the README's tsconfig compiles with tspc and the transformer, and runs", async (version, typescriptPackage, type) => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "daffi-user-"));
    const [{ filename }] = JSON.parse(execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", project], { cwd: REPO, encoding: "utf8" })) as Array<{ filename: string }>;
    fs.mkdirSync(path.join(project, "node_modules", "daffi"), { recursive: true });
    execFileSync("tar", ["-xzf", path.join(project, filename!), "-C", path.join(project, "node_modules", "daffi"), "--strip-components=1"]);
    linkDependencies(project, typescriptPackage);
    expect(JSON.parse(fs.readFileSync(path.join(project, "node_modules", "typescript", "package.json"), "utf8")).version).toMatch(new RegExp(`^${version.replace(".", "\\.")}\\.`));
    fs.mkdirSync(path.join(project, "src"));
    fs.writeFileSync(path.join(project, "src", "app.ts"), APP);
    fs.writeFileSync(path.join(project, "src", "calculator.ts"), CALCULATOR);
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "user-app", private: true, type }));
    fs.writeFileSync(path.join(project, "tsconfig.json"), readmeTsconfig());
    try {
      execFileSync(process.execPath, [path.join(project, "node_modules", "ts-patch", "bin", "tspc.js"), "-p", "tsconfig.json"], { cwd: project, stdio: "pipe" });
    } catch (error) {
      throw new Error(`tspc failed: ${String((error as { stdout?: Buffer }).stdout ?? error)}`);
    }
    const compiled = fs.readFileSync(path.join(project, "out", "app.js"), "utf8");
    expect(compiled).toContain("__daffi_typia__validateReport"); // the transformer ran: validators are in the output
    expect(/^import |\nimport /.test(compiled)).toBe(type === "module"); // ESM output for "type": "module", CommonJS otherwise

    const app = new Spawned("user-app", [path.join(project, "out", "app.js"), tempSocketFolder()], {});
    await app.succeeds(20_000);
    expect(app.stdout).toEqual(["5", "ValidationError"]);
    expect(app.stderr.join("\n")).not.toMatch(/without the daffi transformer/);
  }, 60_000);
});
