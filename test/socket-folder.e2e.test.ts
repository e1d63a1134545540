// Security: the default UNIX socket is private to its user; a socket another user could have placed is refused.
import { afterAll, describe, expect, it } from "@jest/globals";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigurationError, Global } from "../runtime";
import { prepareSocketFolder } from "../runtime/wire/socketFolder";
import { CLI, killAll, Spawned } from "./helpers/Spawned";
import { tempSocketFolder } from "./helpers/system";

afterAll(killAll);

const NOBODY = "65534";

/** A folder every user may write into (as /tmp is), for another user's controller to make its own folder in. */
function sharedFolder(sticky = false): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "daffi-shared-"));
  fs.chmodSync(folder, sticky ? 0o1777 : 0o777);
  return folder;
}

/** The CLI controller run as uid 65534 (CI runs as root), with `env`. */
function controllerOfNobody(args: string[], env: Record<string, string> = {}): Spawned {
  return new Spawned("controller of uid 65534", ["--", "env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), process.execPath, CLI, "controller", ...args], {}, "setpriv", [
    "--reuid",
    NOBODY,
    "--regid",
    NOBODY,
    "--clear-groups",
  ]);
}

const mode = (target: string) => fs.statSync(target).mode & 0o7777;

describe("a controller of another user", () => {
  it("a node refuses the socket of another user's controller in the folder it was given, naming the path, owner and mode", async () => {
    const folder = path.join(sharedFolder(true), "daffi");
    const controller = controllerOfNobody(["--unix-sock-path", folder]);
    await controller.waitForLine(/Controller has been started successfully/);
    expect(fs.statSync(folder).uid).toBe(Number(NOBODY));
    const error = await Global.start({ unixSockPath: folder, logLevel: "silent", connectTimeout: 5 }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    const message = (error as Error).message;
    expect(message).toContain(`'${folder}'`);
    expect(message).toContain("owner uid 65534");
    expect(message).toContain("mode 0700");
    expect(message).toMatch(/Remove it, or pass unixSockPath/);
    // It never connected: the controller admitted nobody.
    expect(controller.stderr.join("\n")).not.toMatch(/has been connected/);
  });

  it("on the default path (<tmp>/daffi), a node refuses the folder another user made first", async () => {
    const tmp = sharedFolder(true);
    const controller = controllerOfNobody([], { TMPDIR: tmp });
    await controller.waitForLine(/Controller has been started successfully/);
    const node = Spawned.script("test/fixtures/try-connect.js", { TMPDIR: tmp });
    const [line] = await node.waitForLine(/^(CONNECTED|FAILED .*)$/);
    expect(line).toMatch(new RegExp(`^FAILED ConfigurationError: the socket folder '${path.join(tmp, "daffi")}' is owned by another user \\(owner uid 65534, mode 0700`));
    // And a controller of this user refuses that folder too, rather than share it.
    const mine = new Spawned("controller", [CLI, "controller"], { TMPDIR: tmp });
    await mine.waitForLine(/owned by another user/);
    expect((await mine.waitForExit()).code).toBe(1);
  });
});

describe("sockets and folders that others could have placed", () => {
  it("a socket of another user in a sticky folder is refused", async () => {
    const folder = sharedFolder(true);
    const fake = new Spawned("a server of uid 65534", ["--", process.execPath, "-e", `require("net").createServer().listen(${JSON.stringify(path.join(folder, ".sock"))}, () => console.log("LISTENING"))`], {}, "setpriv", [
      "--reuid",
      NOBODY,
      "--regid",
      NOBODY,
      "--clear-groups",
    ]);
    await fake.waitForLine(/^LISTENING$/);
    await expect(Global.start({ unixSockPath: folder, logLevel: "silent", connectTimeout: 2 })).rejects.toThrow(/the socket file '.*\.sock' is owned by another user \(owner uid 65534/);
    await expect(Global.start({ initController: true, unixSockPath: folder, logLevel: "silent" })).rejects.toThrow(/owned by another user/);
  });

  it("a folder under a parent that others may write into (without the sticky bit) is refused, naming the parent", async () => {
    const parent = sharedFolder();
    const folder = path.join(parent, "mine");
    fs.mkdirSync(folder, { mode: 0o700 });
    await expect(Global.start({ initController: true, unixSockPath: folder, logLevel: "silent" })).rejects.toThrow(
      new RegExp(`the socket folder's parent '${parent}' is writable by other users`),
    );
    await expect(Global.start({ unixSockPath: folder, logLevel: "silent", connectTimeout: 1 })).rejects.toThrow(/writable by other users/);
  });

  it("a node connects only to a socket that is there when it checks: before, it waits (and says why)", async () => {
    const folder = path.join(tempSocketFolder(), "later");
    const waiting = Global.start({ unixSockPath: folder, logLevel: "silent", connectTimeout: 1 });
    await expect(waiting).rejects.toThrow(new RegExp(`no controller answered within 1s \\(last error: no controller listens on ${path.join(folder, ".sock")} yet\\)`));
    await using g = await Global.start({ initController: true, unixSockPath: folder, logLevel: "silent" });
    await using node = await Global.start({ unixSockPath: folder, logLevel: "silent", connectTimeout: 5 });
    expect(node.unixSockPath).toBe(folder);
    expect(g.isController).toBe(true);
  });
});

describe("modes of the socket folder and file", () => {
  it("under umask 000, the folder daffi creates is 0700 and the socket 0600; a node of the same user connects", async () => {
    const tmp = sharedFolder(true);
    const controller = new Spawned("controller", ["-c", `umask 000; exec "${process.execPath}" "${CLI}" controller`], { TMPDIR: tmp }, "sh");
    await controller.waitForLine(/Controller has been started successfully/);
    const folder = path.join(tmp, "daffi");
    expect(mode(folder)).toBe(0o700);
    expect(fs.statSync(path.join(folder, ".sock")).isSocket()).toBe(true);
    expect(mode(path.join(folder, ".sock"))).toBe(0o600);
    const node = Spawned.script("test/fixtures/try-connect.js", { TMPDIR: tmp });
    await node.waitForLine(/^CONNECTED$/);
  });

  it("a folder writable by others (without the sticky bit) is refused by the controller and by the node", async () => {
    const folder = sharedFolder();
    const controller = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder]);
    await controller.waitForLine(/is writable by other users \(owner uid 0, mode 0777/);
    expect((await controller.waitForExit()).code).toBe(1);
    await expect(Global.start({ unixSockPath: folder, logLevel: "silent", connectTimeout: 1 })).rejects.toThrow(/writable by other users/);
  });

  it("a sticky folder of this user that others may write into is accepted: nobody else can replace the socket", async () => {
    const folder = sharedFolder(true);
    await using g = await Global.start({ initController: true, unixSockPath: folder, logLevel: "silent" });
    expect(mode(path.join(folder, ".sock"))).toBe(0o600);
    await using client = await Global.start({ unixSockPath: folder, logLevel: "silent", connectTimeout: 5 });
    expect(client.unixSockPath).toBe(folder);
    expect(g.isController).toBe(true);
  });

  it("a folder of this user that exists already is used as it is", async () => {
    const folder = tempSocketFolder();
    fs.chmodSync(folder, 0o755);
    await using g = await Global.start({ initController: true, unixSockPath: folder, logLevel: "silent" });
    expect(mode(folder)).toBe(0o755);
    expect(mode(path.join(folder, ".sock"))).toBe(0o600);
    expect(g.unixSockPath).toBe(folder);
  });
});

describe("a socket of root left in a shared folder", () => {
  it("is never removed by another user's controller: it says whose it is", async () => {
    // A sticky folder everyone may use, and a socket of root (this test's user) nobody listens on any more.
    const folder = sharedFolder(true);
    const socketPath = path.join(folder, ".sock");
    const server = new Spawned("a server of root", ["-e", `require("net").createServer().listen(${JSON.stringify(socketPath)}, () => console.log("LISTENING"))`]);
    await server.waitForLine(/^LISTENING$/);
    server.kill("SIGKILL"); // dies without removing its socket file
    await server.waitForExit();
    fs.chmodSync(socketPath, 0o666);
    expect(fs.existsSync(socketPath)).toBe(true);
    const controller = controllerOfNobody(["--unix-sock-path", folder]);
    expect((await controller.waitForExit()).code).toBe(1);
    expect(controller.stderr.join("\n")).toContain(`daffi: ${socketPath} belongs to user 'root' (uid 0), not this user: it is not removed (give this controller another unixSockPath)`);
    expect(fs.existsSync(socketPath)).toBe(true);
  });
});

describe("making the socket folder", () => {
  it("a folder someone else makes (a symbolic link) between the check and the mkdir is not chmodded through the link", async () => {
    const parent = tempSocketFolder();
    const victim = fs.mkdtempSync(path.join(os.tmpdir(), "daffi-victim-"));
    fs.chmodSync(victim, 0o755);
    const folder = path.join(parent, "sock");
    const nodeFs = require("node:fs") as { mkdirSync: typeof fs.mkdirSync }; // the module itself, which the runtime calls through
    const mkdirSync = nodeFs.mkdirSync;
    nodeFs.mkdirSync = ((target: fs.PathLike, options?: fs.MakeDirectoryOptions) => {
      if (target === folder) {
        fs.symlinkSync(victim, folder); // the other one is first
        nodeFs.mkdirSync = mkdirSync;
      }
      return mkdirSync(target, options);
    }) as typeof fs.mkdirSync;
    try {
      await prepareSocketFolder(folder, path.join(folder, ".sock")).catch(() => undefined);
    } finally {
      nodeFs.mkdirSync = mkdirSync;
    }
    expect(mode(victim)).toBe(0o755);
  });
});
