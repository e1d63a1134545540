// Copies typia's runtime helpers for validators (typia/lib/internal's _validateReport, _accessExpressionAsString
// and the _is… checks of tags) into dist/runtime/typia,
// where validators written by daffi's transformer import them from ("daffi/typia/_validateReport"):
// a service then runs without typia, @typia/core or TypeScript installed.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const source = path.join(path.dirname(require.resolve("typia/package.json")), "lib", "internal");
const target = path.join(__dirname, "..", "dist", "runtime", "typia");
fs.rmSync(target, { recursive: true, force: true });
fs.mkdirSync(target, { recursive: true });
let copied = 0;
for (const file of fs.readdirSync(source)) {
  if (!/^_(validateReport|accessExpressionAsString|is[A-Z][A-Za-z0-9]*)\.js$/.test(file)) continue;
  const code = fs.readFileSync(path.join(source, file), "utf8");
  if (/\brequire\(/.test(code)) throw new Error(`typia's ${file} needs other modules now: daffi/typia cannot ship it alone`);
  fs.writeFileSync(path.join(target, file), code.replace(/\n\/\/# sourceMappingURL=.*$/, "\n"));
  copied++;
}
fs.copyFileSync(path.join(source, "..", "..", "LICENSE"), path.join(target, "LICENSE"));
const { version } = require("typia/package.json");
fs.writeFileSync(path.join(target, "VERSION"), `${version}\n`);
console.log(`typia ${version}: ${copied} runtime helpers copied to dist/runtime/typia`);
