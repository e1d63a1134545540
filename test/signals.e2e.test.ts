// Global.start({ handleSignals: true }): SIGINT or SIGTERM stops gracefully, then the process exits 0.
import { afterAll, describe, expect, it } from "@jest/globals";
import * as fs from "node:fs";
import * as path from "node:path";
import { Global } from "../runtime";
import { settled } from "./helpers/settled";
import { killAll, Spawned } from "./helpers/Spawned";
import { tempSocketFolder } from "./helpers/system";

afterAll(killAll);

describe("handleSignals", () => {
  it.each(["SIGINT", "SIGTERM"] as const)("%s: the call in flight finishes, the socket file is removed, exit code 0", async (signal) => {
    const folder = tempSocketFolder();
    const node = Spawned.script("test/fixtures/signals-node.js", { DAFFI_UNIX_SOCK_PATH: folder });
    await node.waitForLine(/^READY$/);
    const g = await Global.start({ unixSockPath: folder, logLevel: "silent" });
    const call = settled(g.call.slowly(400));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the call is running there
    node.kill(signal);
    expect(await call).toBe("finished");
    const exit = await node.waitForExit();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(path.join(folder, ".sock"))).toBe(false);
    expect(node.stderr.join("\n")).toMatch(new RegExp(`INFO: .* \\| node\\[signalled\\] \\| ${signal} received: stopping`));
    await g.stop();
  });

  it("is off by default: the signal is the program's own (SIGTERM kills it at once)", async () => {
    const node = Spawned.script("test/fixtures/signals-node.js", { DAFFI_UNIX_SOCK_PATH: tempSocketFolder(), DAFFI_HANDLE_SIGNALS: "0" });
    await node.waitForLine(/^READY$/);
    node.kill("SIGTERM");
    expect(await node.waitForExit()).toEqual({ code: null, signal: "SIGTERM" });
  });
});
