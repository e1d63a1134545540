// Smaller points of a new user's first hour: odd option values, a fetcher after a controller-only
// Global, a stale socket vanishing during a start, the TypeScript version check, TLS flags.
import { afterAll, describe, expect, it, jest } from "@jest/globals";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigurationError, Fetcher, Global } from "../runtime";
import { prepareSocketFolder } from "../runtime/wire/socketFolder";
import { CLI, killAll, Spawned } from "./helpers/Spawned";
import { tempSocketFolder } from "./helpers/system";

afterAll(killAll);

describe("passed()", () => {
  it("an option that is a revoked Proxy is a ConfigurationError, not a TypeError from passed()", () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    let thrown: unknown;
    try {
      new Global({ port: proxy as never, logLevel: "silent" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
  });
});

describe("a fetcher after a controller-only Global stopped", () => {
  it("says no Global with a node runs (ConfigurationError), not that 'the Global of this process was stopped'", async () => {
    class NeverRan extends Fetcher {
      declare anything: () => Promise<number>;
    }
    const c = await Global.start({ initController: true, initNode: false, unixSockPath: tempSocketFolder(), logLevel: "silent" });
    await c.stop();
    await expect(new NeverRan().anything()).rejects.toBeInstanceOf(ConfigurationError);
  });
});

describe("prepareSocketFolder", () => {
  it("a stale socket removed meanwhile (an old controller finishing its stop) is not a raw ENOENT", async () => {
    const folder = tempSocketFolder();
    const holder = tempSocketFolder();
    const keep = path.join(holder, "stale");
    // A stale socket: bound, hard-linked, then the listener closed (which unlinks the original only).
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(holder, "s"), resolve));
    fs.linkSync(path.join(holder, "s"), keep);
    await new Promise((resolve) => server.close(resolve));
    const socketPath = path.join(folder, ".sock");
    // The stale socket comes and goes (as when an old controller's stop removes it).
    const flipper = spawn(process.execPath, ["-e", `const fs=require("fs");for(;;){try{fs.linkSync(${JSON.stringify(keep)},${JSON.stringify(socketPath)})}catch{}try{fs.unlinkSync(${JSON.stringify(socketPath)})}catch{}}`], { stdio: "ignore" });
    const raw = new Set<string>();
    try {
      for (let i = 0; i < 3000 && raw.size === 0; i++) {
        await prepareSocketFolder(folder, socketPath).catch((error: Error) => {
          if (!(error instanceof ConfigurationError)) raw.add(`${error.constructor.name}: ${error.message}`);
        });
      }
    } finally {
      flipper.kill("SIGKILL");
    }
    expect([...raw]).toEqual([]);
  }, 60_000);
});

describe("transformer version check", () => {
  it("TypeScript 5.4 is refused as the message says (5.9 or 6.0 only)", () => {
    let outcome = "no error";
    jest.isolateModules(() => {
      jest.doMock("typescript", () => ({ ...(jest.requireActual("typescript") as object), version: "5.4.5", versionMajorMinor: "5.4" }));
      const transformer = (require("../transformer/index") as { default: (program: unknown) => unknown }).default;
      try {
        transformer({ getTypeChecker: () => ({}), getCompilerOptions: () => ({}) });
      } catch (error) {
        outcome = (error as Error).message;
      }
    });
    expect(outcome).toMatch(/runs in TypeScript 5\.9 or 6\.0/);
  });
});

describe("CLI (pre-existing, reachable through the CLI)", () => {
  it("--ssl-key without --ssl-certificate is refused, not a plaintext controller", async () => {
    const cli = new Spawned("cli", [CLI, "controller", "--host", "127.0.0.1", "--port", "0", "--ssl-key", path.join(os.tmpdir(), "no-such-key.pem")]);
    expect((await cli.waitForExit()).code).toBe(1);
    expect(cli.stderr.join("\n")).toContain("daffi: a TLS controller needs both sslCertificate and sslKey");
    expect(cli.stdout.concat(cli.stderr).join("\n")).not.toMatch(/started successfully/);
  });
});
