// `npm run docs`: typedoc writes the API reference of every export (typedoc.json).
import { afterAll, describe, expect, it } from "@jest/globals";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO } from "./helpers/compile";
import { killAll, Spawned } from "./helpers/Spawned";

afterAll(killAll);

describe("npm run docs", () => {
  it("generates the API reference: Global, the options, the errors", async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "daffi-docs-"));
    const typedoc = new Spawned("typedoc", [path.join(REPO, "node_modules", "typedoc", "bin", "typedoc"), "--options", path.join(REPO, "typedoc.json"), "--out", out]);
    const { code } = await typedoc.waitForExit(60_000); // typedoc reads the whole program: slow on a loaded machine
    expect(code).toBe(0);
    const page = (relative: string) => fs.readFileSync(path.join(out, relative), "utf8");
    expect(page("classes/Global.html")).toContain("The entry point");
    expect(page("interfaces/GlobalOptions.html")).toContain("handleSignals");
    expect(page("classes/ContractMismatchError.html")).toContain("one side deployed before the other");
  }, 120_000);
});
