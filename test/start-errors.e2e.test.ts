// Start failures a user can act on: said once, as a DaffiError, labelled by what failed.
import { afterAll, describe, expect, it } from "@jest/globals";
import * as path from "node:path";
import { ConfigurationError, Global } from "../runtime";
import { settled } from "./helpers/settled";
import { CLI, DIST, killAll, Spawned } from "./helpers/Spawned";
import { freePort } from "./helpers/system";

afterAll(killAll);

describe("a controller that cannot start", () => {
  it("a port in use: ConfigurationError naming the port; the CLI says it once, without grpc-js's own lines", async () => {
    const port = await freePort();
    await using first = await Global.start({ initController: true, host: "127.0.0.1", port, logLevel: "silent", processName: "first" });
    void first;
    const error = await settled(Global.start({ initController: true, initNode: false, host: "127.0.0.1", port, logLevel: "silent" }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(`port ${port} on 127.0.0.1 is in use (another controller or program listens there): give another port, or 0 for a free one`);
    const cli = new Spawned("cli", [CLI, "controller", "--host", "127.0.0.1", "--port", String(port)]);
    expect((await cli.waitForExit()).code).toBe(1);
    expect(cli.stderr.filter(Boolean)).toEqual([`daffi: port ${port} on 127.0.0.1 is in use (another controller or program listens there): give another port, or 0 for a free one`]);
  });

  it("unixSockPath naming a file: ConfigurationError, not a raw EEXIST", async () => {
    const error = await settled(Global.start({ initController: true, unixSockPath: "/etc/passwd", logLevel: "silent" }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe("unixSockPath '/etc/passwd' cannot be the socket's folder: it, or a folder on its path, is a file");
  });

  it("unixSockPath under /proc: ConfigurationError at once (Node's recursive mkdir never returns there)", async () => {
    // In a child process: the old code blocked its event loop for good, which would stop jest too.
    const script = `require(${JSON.stringify(path.join(DIST, "runtime"))}).Global.start({ initController: true, unixSockPath: "/proc/daffi-test", logLevel: "silent" }).catch((error) => console.log(error.name, error.message));`;
    const child = new Spawned("proc", ["-e", script]);
    expect(await child.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    expect(child.stdout).toEqual(["ConfigurationError unixSockPath '/proc/daffi-test' cannot be the socket's folder: ENOENT: no such file or directory, mkdir '/proc/daffi-test'"]);
  });

  it("a background start (new Global) that fails logs it once, labelled controller, and join() rejects with it", async () => {
    const port = await freePort();
    await using first = await Global.start({ initController: true, host: "127.0.0.1", port, logLevel: "silent", processName: "holder" });
    void first;
    const node = Spawned.script("test/fixtures/background-start.js", { DAFFI_PORT: String(port) });
    await node.waitForExit();
    const errors = node.stderr.filter((line) => line.startsWith("ERROR"));
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^ERROR: .* \\| controller\\[background\\] \\| Start failed: port ${port} on 127\\.0\\.0\\.1 is in use`))]);
    expect(node.stdout).toEqual([`join rejected: ConfigurationError`]);
  });
});
