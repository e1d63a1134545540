#!/usr/bin/env node
// The `daffi` command: `daffi controller [options]`, `daffi call NAME [JSON_ARG…]`, `daffi inspect [options]`, `daffi generate [options]`, `daffi --version`, `daffi --help`.
import * as path from "node:path";
import { callCommand, callUsage } from "./callCommand";
import { controllerCommand, controllerUsage } from "./controllerCommand";
import { didYouMean } from "./didYouMean";
import { generateCommand, generateUsage } from "./generateCommand";
import { inspectCommand, inspectUsage } from "./inspectCommand";
import { UsageError } from "./UsageError";

const commands: Record<string, { run: (argv: string[]) => Promise<number>; usage: string; summary: string }> = {
  controller: { run: controllerCommand, usage: controllerUsage, summary: "run a stand-alone controller until SIGINT or SIGTERM" },
  call: { run: callCommand, usage: callUsage, summary: "call a callback once, its result as JSON on stdout (daffi's grpcurl)" },
  inspect: { run: inspectCommand, usage: inspectUsage, summary: "show the running system: processes, callbacks with signatures, calls in flight, rates, errors" },
  generate: { run: generateCommand, usage: generateUsage, summary: "write the transformed sources, for builds without tspc (esbuild, tsx, vitest, bun)" },
};

const usage = `usage: daffi <command> [options]

commands:
${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(12)} ${command.summary}`)
  .join("\n")}

  daffi <command> --help   the options of a command
  daffi --version          the version of daffi

${controllerUsage}

${callUsage}

${inspectUsage}

${generateUsage}`;

function version(): string {
  // dist/runtime/cli/daffi.js → the package's own package.json.
  return (require(path.join(__dirname, "..", "..", "..", "package.json")) as { version: string }).version;
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--version" || first === "-v") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (first === undefined) throw new UsageError("daffi: which command? (daffi --help lists them)");
  if (first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const command = Object.hasOwn(commands, first) ? commands[first] : undefined;
  if (!command) {
    const what = first.startsWith("-") ? `an option before the command ('${first}')` : `unknown command '${first}'${didYouMean(first, Object.keys(commands))}`;
    throw new UsageError(`daffi: ${what}`);
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${error.usage ?? usage}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`daffi: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
