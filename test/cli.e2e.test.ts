// The `daffi` command line: what it says when asked, and when it cannot run what it was given.
import { afterAll, describe, expect, it } from "@jest/globals";
import * as fs from "node:fs";
import * as path from "node:path";
import { CLI, DIST, killAll, Spawned } from "./helpers/Spawned";

afterAll(killAll);

async function run(...args: string[]) {
  const cli = new Spawned("cli", [CLI, ...args]);
  const { code } = await cli.waitForExit();
  return { code, stdout: cli.stdout.filter(Boolean), stderr: cli.stderr.filter(Boolean) };
}

describe("daffi", () => {
  it("--version prints the package's version; --help lists the commands and their options", async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(DIST, "..", "package.json"), "utf8")) as { version: string };
    expect(await run("--version")).toEqual({ code: 0, stdout: [version], stderr: [] });
    const help = await run("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toEqual(expect.arrayContaining(["commands:", expect.stringMatching(/^ {2}controller +run a stand-alone controller/), expect.stringMatching(/^ {2}call +call a callback once/), expect.stringMatching(/^ {2}generate +write the transformed sources/)]));
    expect(help.stdout.join("\n")).toContain("usage: daffi controller");
    expect(help.stdout.join("\n")).toContain("usage: daffi call NAME");
    const commandHelp = await run("controller", "--help");
    expect(commandHelp.code).toBe(0);
    expect(commandHelp.stdout[0]).toMatch(/^usage: daffi controller/);
  });

  it.each([
    [["controler"], "daffi: unknown command 'controler' (did you mean 'controller'?)"],
    [[], "daffi: which command? (daffi --help lists them)"],
    [["--port", "8888"], "daffi: an option before the command ('--port')"],
    [["controller", "--prot", "8888"], "daffi controller: unknown option '--prot' (did you mean '--port'?)"],
    [["controller", "--port", "abc"], 'daffi controller: --port must be a whole number from 0 to 65535, got "abc"'],
    [["controller", "--port", "70000"], 'daffi controller: --port must be a whole number from 0 to 65535, got "70000"'],
    [["controller", "--heartbeat", "soon"], 'daffi controller: --heartbeat must be a positive number of seconds, got "soon"'],
    [["controller", "extra"], "daffi controller: unexpected argument 'extra'"],
  ])("%j: says what is wrong, then the usage, on stderr; exit code 2", async (args, message) => {
    const { code, stdout, stderr } = await run(...args);
    expect({ code, stdout, first: stderr[0] }).toEqual({ code: 2, stdout: [], first: message });
    expect(stderr.join("\n")).toContain("usage: daffi");
  });
});
