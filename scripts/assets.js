// Copies the dashboard's page (runtime/observe/dashboard: HTML, JS, CSS, written by hand, no build
// step) beside the compiled runtime, where the dashboard's server reads it.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const source = path.join(__dirname, "..", "runtime", "observe", "dashboard");
const target = path.join(__dirname, "..", "dist", "runtime", "observe", "dashboard");
fs.rmSync(target, { recursive: true, force: true });
fs.mkdirSync(target, { recursive: true });
for (const file of fs.readdirSync(source)) fs.copyFileSync(path.join(source, file), path.join(target, file));
