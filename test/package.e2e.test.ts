// The package as a user gets it: `npm pack`, unpacked into a project's node_modules next to its
// production dependencies only, compiled with tspc and the daffi/transformer plugin, then run.
import { afterAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { killAll, Spawned } from "./helpers/Spawned";
import { tempSocketFolder } from "./helpers/system";
import { calculatorApp, freshProject, linkDependencies, readmeBlock, unpackDaffi } from "./helpers/userProject";


afterAll(killAll);

/** The shared interface, in a file of its own: the app imports it by a relative path (with `.js`, as nodenext wants). */
const CALCULATOR = `
export interface Calculator {
  add(a: number, b: number): number;
}
`;

const APP = calculatorApp(`
  console.log(await calculator.add(2, 3));
  try {
    await (calculator.add as unknown as (a: string, b: number) => Promise<number>)("2", 3);
  } catch (error) {
    console.log(error instanceof ValidationError ? "ValidationError" : String(error));
  }
  // prom-client is an optional peer dependency (README: Metrics): without it, metrics say what to install.
  try {
    new Global({ initController: true, unixSockPath: process.argv[2] + "-metrics", metrics: {}, logLevel: "silent" });
  } catch (error) {
    console.log(error instanceof Error ? error.message : String(error));
  }`);

describe("daffi as a dependency", () => {
  // Each supported TypeScript (the JavaScript compilers ts-patch patches): 5.9, and 6.0 (our devDependency alias typescript6).
  it.each([
    ["5.9", "typescript", "commonjs"],
    ["6.0", "typescript6", "commonjs"],
    ["6.0", "typescript6", "module"],
  ] as const)("a project on TypeScript %s (%s, %s) with the packed daffi in node_modules and the README's tsconfig compiles with tspc and the transformer, and runs", async (version, typescriptPackage, type) => {
    const project = freshProject("daffi-user-", type);
    unpackDaffi(project);
    linkDependencies(project, typescriptPackage);
    expect(JSON.parse(fs.readFileSync(path.join(project, "node_modules", "typescript", "package.json"), "utf8")).version).toMatch(new RegExp(`^${version.replace(".", "\\.")}\\.`));
    fs.mkdirSync(path.join(project, "src"));
    fs.writeFileSync(path.join(project, "src", "app.ts"), APP);
    fs.writeFileSync(path.join(project, "src", "calculator.ts"), CALCULATOR);
    fs.writeFileSync(path.join(project, "tsconfig.json"), readmeBlock("tsconfig", "json"));
    try {
      execFileSync(process.execPath, [path.join(project, "node_modules", "ts-patch", "bin", "tspc.js"), "-p", "tsconfig.json"], { cwd: project, stdio: "pipe" });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`tspc failed: ${String(stdout ?? "")}${String(stderr ?? error)}`);
    }
    // @opentelemetry/api and prom-client are optional peer dependencies (README: Traces, Metrics): the project has neither, and daffi runs without them.
    expect(fs.existsSync(path.join(project, "node_modules", "@opentelemetry"))).toBe(false);
    expect(fs.existsSync(path.join(project, "node_modules", "prom-client"))).toBe(false);
    const compiled = fs.readFileSync(path.join(project, "out", "app.js"), "utf8");
    expect(compiled).toContain("__daffi_typia__validateReport"); // the transformer ran: validators are in the output
    expect(/^import |\nimport /.test(compiled)).toBe(type === "module"); // ESM output for "type": "module", CommonJS otherwise

    const app = new Spawned("user-app", [path.join(project, "out", "app.js"), tempSocketFolder()], {});
    await app.succeeds(20_000);
    expect(app.stdout).toEqual(["5", "ValidationError", "metrics need prom-client, an optional peer dependency of daffi: npm i prom-client@15"]);
    expect(app.stderr.join("\n")).not.toMatch(/without the daffi transformer/);
  }, 60_000);

  it("without @typia/core installed, tspc stops at once with the line to install it", () => {
    const project = freshProject("daffi-user-", "commonjs");
    unpackDaffi(project);
    linkDependencies(project, "typescript6", ["typescript", "ts-patch"]);
    fs.mkdirSync(path.join(project, "src"));
    fs.writeFileSync(path.join(project, "src", "app.ts"), APP);
    fs.writeFileSync(path.join(project, "src", "calculator.ts"), CALCULATOR);
    fs.writeFileSync(path.join(project, "tsconfig.json"), readmeBlock("tsconfig", "json"));
    let output = "";
    try {
      execFileSync(process.execPath, [path.join(project, "node_modules", "ts-patch", "bin", "tspc.js"), "-p", "tsconfig.json"], { cwd: project, stdio: "pipe" });
    } catch (error) {
      const { stdout, stderr } = error as { stdout: Buffer; stderr: Buffer };
      output = `${String(stdout)}${String(stderr)}`;
    }
    expect(output).toContain("typia's @typia/core, which is not installed: npm i -D @typia/core@12.2.1");
  }, 60_000);
});
