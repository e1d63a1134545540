// Every public export of daffi (dist/runtime/index.d.ts) has TSDoc, and so has every option.
import { describe, expect, it } from "@jest/globals";
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { AsyncResult, RemoteCall, ScheduledTask } from "../runtime";
import { DIST } from "./helpers/Spawned";

describe("the public API", () => {
  it("documents every export of index.d.ts, and every property of the option types", () => {
    const file = path.join(DIST, "runtime", "index.d.ts");
    const program = ts.createProgram([file], { skipLibCheck: true });
    const checker = program.getTypeChecker();
    const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
    const documented = (symbol: ts.Symbol) => ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim().length > 0;
    const missing: string[] = [];
    const exports = checker.getExportsOfModule(moduleSymbol);
    for (const exported of exports) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (!documented(symbol)) missing.push(exported.name);
      if (exported.name.endsWith("Options")) {
        for (const property of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol))) if (!documented(property)) missing.push(`${exported.name}.${property.name}`);
      }
    }
    expect(exports.length).toBeGreaterThan(50);
    expect(missing).toEqual([]);
  });
});

describe("public classes", () => {
  it("show only their public fields (internal ones are #private)", async () => {
    const result = new AsyncResult("x", async () => 1);
    expect(Object.keys(result)).toEqual(["name"]);
    expect(await result.get()).toBe(1);
    expect(Object.keys(new ScheduledTask({} as never, "id", "process"))).toEqual(["id", "process"]);
    expect(Object.keys(new RemoteCall({} as never, "name", [1]))).toEqual(["name", "args"]);
  });
});

describe("the source maps shipped", () => {
  it("carry their sources (the package ships no .ts files for them to point at)", () => {
    const maps = fs.readdirSync(path.join(DIST, "runtime"), { recursive: true, encoding: "utf8" }).filter((name) => name.endsWith(".js.map"));
    expect(maps.length).toBeGreaterThan(50);
    for (const name of maps) {
      const map = JSON.parse(fs.readFileSync(path.join(DIST, "runtime", name), "utf8")) as { sources: string[]; sourcesContent?: string[] };
      expect([name, map.sourcesContent?.length]).toEqual([name, map.sources.length]);
    }
  });
});
