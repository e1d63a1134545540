// lostAutoInitClasses / warnLostAutoInit (runtime/registry/Callback.ts, untransformed.ts), in plain JS (no transformer).
import { afterAll, describe, expect, it } from "@jest/globals";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DIST, killAll, Spawned } from "./helpers/Spawned";
import { tempSocketFolder } from "./helpers/system";

afterAll(killAll);

const RUNTIME = path.join(DIST, "runtime");

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "daffi-test-"));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), `const RUNTIME = ${JSON.stringify(RUNTIME)};\n${text}`);
  return path.join(dir, "main.js");
}

/** main.js: an exported autoInit Callback class compiled without the transformer, then `start`. */
const LOST_SERVICE = (start: string) => `const { Callback, Global } = require(RUNTIME);
        class LostService extends Callback { add(a, b) { return a + b; } }
        LostService.autoInit = true;
        module.exports = { LostService };
        ${start}`;

describe("lost autoInit scan", () => {
  it("does not run the getters of other modules' exports (side effects, lazy loading)", async () => {
    const main = project({
      "lazy.js": `Object.defineProperty(exports, "expensive", { enumerable: true, get() { console.log("GETTER RUN"); return 42; } });`,
      "main.js": `require("./lazy");
        require(RUNTIME).Global.start({ initController: true, unixSockPath: process.env.F, logLevel: "silent" }).then(async (g) => { console.log("STARTED"); await g.stop(); });`,
    });
    const p = new Spawned("getter", [main], { F: tempSocketFolder() });
    await p.succeeds();
    expect(p.stdout).toEqual(["STARTED"]);
  });

  it("logLevel: 'silent' silences the warning too", async () => {
    const main = project({
      "main.js": LOST_SERVICE(`Global.start({ initController: true, unixSockPath: process.env.F, logLevel: "silent" }).then((g) => g.stop());`),
    });
    const p = new Spawned("silent", [main], { F: tempSocketFolder(), DAFFI_LOG_LEVEL: undefined });
    await p.succeeds();
    expect(p.stderr.filter(Boolean)).toEqual([]);
  });

  it("a class the user creates after Global.start (as the warning itself advises) is not said to be lost", async () => {
    const main = project({
      "main.js": LOST_SERVICE(`(async () => {
          const g = await Global.start({ processName: "svc", initController: true, unixSockPath: process.env.F });
          new LostService();
          await g.waitFunction("add", { timeout: 5 });
          console.log("EXPOSED " + await g.call.add(2, 3));
          await g.stop();
        })();`),
    });
    const p = new Spawned("late", [main], { F: tempSocketFolder(), DAFFI_LOG_LEVEL: undefined });
    await p.succeeds();
    expect(p.stdout).toEqual(["EXPOSED 5"]);
    expect(p.stderr.filter((line) => line.includes("none of its methods is exposed"))).toEqual([]);
  });
});
