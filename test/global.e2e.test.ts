// Spec "Global object": start, stop, join, waiting for processes and callbacks, the CLI controller.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "@jest/globals";
import { callback, ConfigurationError, Global, ProcessNameInUseError, StoppedError, TimeoutError } from "../runtime";
import { CLI, killAll, Spawned } from "./helpers/Spawned";
import { startController, tempSocketFolder } from "./helpers/system";

afterEach(killAll);

describe("stop()", () => {
  it("closes every socket and timer: the process exits by itself", async () => {
    const script = Spawned.script("test/fixtures/stop-and-exit.js");
    await script.succeeds();
    expect(script.stdout).toEqual(["double(21) = 42", "random port: true", "double(4) = 8", "joined", "socket removed: true", "stopped"]);
  });

  it("fails calls made after stop with StoppedError", async () => {
    const g = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), logLevel: "silent" });
    await g.stop();
    await expect(g.call.anything()).rejects.toBeInstanceOf(StoppedError);
    await expect(g.waitProcess("x")).rejects.toBeInstanceOf(StoppedError);
  });
});

describe("waitProcess and waitFunction", () => {
  it("resolve when the process or callback appears, and time out otherwise", async () => {
    const { connection } = await startController("unix");
    await using g = await Global.start({ processName: "waiter", ...connection.options, logLevel: "silent" });
    await expect(g.waitProcess("late", { timeout: 0.2 })).rejects.toBeInstanceOf(TimeoutError);
    const waiting = Promise.all([g.waitProcess("late", { timeout: 10 }), g.waitFunction("sleep_late", { timeout: 10 })]);
    Spawned.script("test/fixtures/peer.js", { ...connection.env, DAFFI_NAME: "late" });
    await waiting;
    expect(g.registeredCallbacks.sleep_late).toEqual(["late"]);
  });

  it("refuse arguments that would make them wait forever (no name, a number for the options, a bad timeout)", async () => {
    await using g = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), logLevel: "silent" });
    const wait = g.waitProcess as (...args: unknown[]) => Promise<void>;
    await expect(wait.call(g, "late", 5)).rejects.toThrow("waitProcess(name, { timeout? }): the options must be an object, got 5 (for a timeout: { timeout: 5 })");
    await expect(wait.call(g, "late", "abc")).rejects.toThrow(ConfigurationError);
    await expect(wait.call(g, "late", { timeout: -1 })).rejects.toThrow("waitProcess: timeout must be a number of seconds (0: check once, Infinity: no limit), got -1");
    await expect(wait.call(g, "late", { timeout: 0 })).rejects.toBeInstanceOf(TimeoutError); // 0: checked once
    await wait.call(g, g.processName, { timeout: 0 });
    await wait.call(g, g.processName, { timeout: Number.POSITIVE_INFINITY });
    await expect(wait.call(g, "late", { timout: 1 })).rejects.toThrow("waitProcess: unknown option 'timout' (only timeout)");
    await expect((g.waitFunction as (...args: unknown[]) => Promise<void>).call(g, 5)).rejects.toThrow("waitFunction(name, { timeout? }) needs a name, got 5");
  });

  it("work in a process that runs only a controller", async () => {
    const unixSockPath = tempSocketFolder();
    await using g = await Global.start({ initController: true, initNode: false, unixSockPath, logLevel: "silent" });
    expect(g.isController).toBe(true);
    Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: unixSockPath, DAFFI_NAME: "worker" });
    await g.waitFunction("sleep_worker", { timeout: 10 });
    expect(g.registeredCallbacks.whoami).toEqual(["worker"]);
    expect(() => g.call.whoami().fg()).toThrow(ConfigurationError);
  });
});

describe("new Global() without awaiting", () => {
  it("queues calls until the node is connected, even when the controller comes later", async () => {
    const unixSockPath = tempSocketFolder();
    const g = new Global({ processName: "early", unixSockPath, logLevel: "silent" });
    const answer = g.call.whoIsEarly();
    const pending = answer.then((value) => value);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // A callback registered after new Global(), before the node connected: it is announced all the same.
    callback(function whoIsEarly(): string {
      return "early";
    });
    const controller = new Spawned("controller", [CLI, "controller", "--unix-sock-path", unixSockPath]);
    await controller.waitForLine(/Controller has been started/);
    expect(await pending).toBe("early");
    await g.stop();
  });
});

describe("process names", () => {
  it("refuses a second node with a name already in use", async () => {
    const { connection } = await startController("unix");
    await using first = await Global.start({ processName: "unique", ...connection.options, logLevel: "silent" });
    expect(first.processName).toBe("unique");
    await expect(Global.start({ processName: "unique", ...connection.options, logLevel: "silent" })).rejects.toBeInstanceOf(ProcessNameInUseError);
  });

  it("defaults to a random 0x… name", async () => {
    const g = new Global({ initController: true, unixSockPath: tempSocketFolder(), logLevel: "silent" });
    expect(g.processName).toMatch(/^0x[0-9a-f]{8}$/);
    await g.stop();
  });
});

describe("CLI: daffi controller", () => {
  it.each(["SIGINT", "SIGTERM"] as const)("runs until %s, then stops cleanly and removes its socket", async (signal) => {
    const folder = tempSocketFolder();
    const controller = new Spawned("cli", [CLI, "controller", "--unix-sock-path", folder]);
    await controller.waitForLine(/Controller has been started successfully\. Process identificator: '0x[0-9a-f]{8}'\. Connection info: unix: \[ path '.*' \]/);
    expect(fs.existsSync(path.join(folder, ".sock"))).toBe(true);
    controller.kill(signal);
    await controller.succeeds();
    expect(controller.stderr.join("\n")).toContain("Controller stopped.");
    expect(fs.existsSync(path.join(folder, ".sock"))).toBe(false);
  });

  it("listens on a random TCP port and reports it; --quiet silences the logs", async () => {
    const controller = new Spawned("cli", [CLI, "controller", "--host", "127.0.0.1", "--port", "0"]);
    const [, port] = await controller.waitForLine(/tcp: \[ host '127\.0\.0\.1', port: (\d+) \]/);
    await using g = await Global.start({ host: "127.0.0.1", port: Number(port), logLevel: "silent" });
    expect(g.port).toBe(Number(port));
    const quietFolder = tempSocketFolder();
    const quiet = new Spawned("quiet", [CLI, "controller", "--unix-sock-path", quietFolder, "--quiet"]);
    // It says nothing, so it is ready once its socket is there (a fixed wait was too short on a loaded machine).
    for (let i = 0; i < 500 && !fs.existsSync(path.join(quietFolder, ".sock")); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    quiet.kill("SIGTERM");
    await quiet.succeeds();
    expect(quiet.stderr.filter((line) => line.length > 0)).toEqual([]);
  });

  it("prints what is wrong and the usage on stderr, and exits 2, on a wrong command", async () => {
    const cli = new Spawned("cli", [CLI, "nonsense"]);
    expect((await cli.waitForExit()).code).toBe(2);
    expect(cli.stderr[0]).toBe("daffi: unknown command 'nonsense'");
    expect(cli.stderr.join("\n")).toContain("usage: daffi controller");
    expect(cli.stdout).toEqual([]);
  });
});
