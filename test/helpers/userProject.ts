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
