// Calls that can be trusted: a call's identity across restarts, reconnection with a fresh view, cancellation and deadlines at the executor.
import { eventually } from "./helpers/eventually";
import { afterEach, describe, expect, it } from "@jest/globals";
import { callback, CancelledError, Global, NodeDisconnectedError, StoppedError, TimeoutError } from "../runtime";
import { settled } from "./helpers/settled";
import { CLI, killAll, Spawned } from "./helpers/Spawned";
import { startController, tempSocketFolder } from "./helpers/system";
import { TcpProxy } from "./helpers/TcpProxy";

afterEach(killAll);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("identity of a call", () => {
  it("a caller restarted under the same name gets the answer to its own call, never to its earlier incarnation's", async () => {
    const { connection } = await startController("unix");
    const bank = Spawned.script("test/fixtures/peer.js", { ...connection.env, DAFFI_NAME: "bank" });
    await bank.waitForLine(/^READY$/);
    const caller = (text: string, seconds: number) =>
      Spawned.script("test/fixtures/caller.js", { ...connection.env, DAFFI_NAME: "front", DAFFI_CALL: "slowEcho", DAFFI_ARGS: JSON.stringify([text, seconds]) });
    const first = caller("transfer $10 to alice", 1);
    await first.waitForLine(/^READY$/);
    await sleep(100);
    first.kill("SIGKILL");
    await first.exited;
    const second = caller("balance please", 2);
    const [line] = await second.waitForLine(/^(RESULT|ERROR) .*/, 15_000);
    expect(line).toBe('RESULT "balance please"');
  });

  it("the executor drops a plain call its caller cancelled: no answer is sent, nothing waits for it", async () => {
    const { connection } = await startController("unix");
    const worker = Spawned.script("test/fixtures/peer.js", { ...connection.env, DAFFI_NAME: "worker", DAFFI_LOG_LEVEL: "debug" });
    await worker.waitForLine(/^READY$/);
    await using g = await Global.start({ processName: "impatient", ...connection.options, logLevel: "silent" });
    const abandoned = g.call.slowEcho("late", 0.5).bg();
    await sleep(100);
    abandoned.cancel();
    expect(await settled(abandoned.get())).toBeInstanceOf(CancelledError);
    await worker.waitForLine(/DEBUG: .* \| node\[worker\] \| 'slowEcho' of 'impatient' was cancelled: it ends without an answer/, 2000);
    expect(await g.call.slowEcho("mine", 0.1)).toBe("mine");
  });

  it("the executor drops work whose deadline passed, without an answer", async () => {
    const { connection } = await startController("unix");
    const worker = Spawned.script("test/fixtures/peer.js", { ...connection.env, DAFFI_NAME: "worker", DAFFI_LOG_LEVEL: "debug" });
    await worker.waitForLine(/^READY$/);
    // A caller that cannot send CANCEL (it is frozen right after calling): the deadline alone ends the call.
    const frozen = Spawned.script("test/fixtures/caller.js", { ...connection.env, DAFFI_NAME: "frozen", DAFFI_CALL: "slowEcho", DAFFI_ARGS: JSON.stringify(["x", 3]), DAFFI_TIMEOUT: "1" });
    await frozen.waitForLine(/^READY$/);
    await sleep(200); // the call is out
    frozen.kill("SIGSTOP");
    await worker.waitForLine(/'slowEcho' of 'frozen' passed its deadline: it ends without an answer/, 3000);
    frozen.kill("SIGKILL");
  });
});

describe("reconnection", () => {
  it("a node whose link went half-open comes back at once: it replaces its own stale session instead of being refused", async () => {
    const controller = new Spawned("controller", [CLI, "controller", "--host", "127.0.0.1", "--port", "0", "--heartbeat", "3"]);
    const [, port] = await controller.waitForLine(/port: (\d+) \]/);
    const proxy = await TcpProxy.start({ host: "127.0.0.1", port: Number(port) });
    try {
      const node = Spawned.script("test/fixtures/peer.js", { DAFFI_NAME: "halfopen", DAFFI_HOST: "127.0.0.1", DAFFI_PORT: String(proxy.port), DAFFI_HEARTBEAT: "0.5" });
      await node.waitForLine(/^READY$/);
      await using g = await Global.start({ host: "127.0.0.1", port: Number(port), logLevel: "silent" });
      expect(await g.call.sleep_halfopen(0)).toBe("halfopen");
      const frozenAt = Date.now();
      proxy.freeze();
      await node.waitForLine(/lost the connection to Controller/, 5000);
      // Well before the controller's own heartbeat (3 s, so about 6 s) would have dropped the stale session.
      await eventually(async () => (await settled(g.call.sleep_halfopen(0).fg({ timeout: 0.5 }))) === "halfopen", 4500, "the node is back");
      expect(Date.now() - frozenAt).toBeLessThan(5000);
      expect(node.stderr.join("\n")).not.toMatch(/refused/);
      await controller.waitForLine(/Node 'halfopen' reconnected: its previous connection is closed/);
    } finally {
      await proxy.close();
    }
  });

  it("another process claiming a live name is still refused", async () => {
    const { connection } = await startController("unix");
    await using first = await Global.start({ processName: "taken", ...connection.options, logLevel: "silent" });
    await expect(Global.start({ processName: "taken", ...connection.options, logLevel: "silent" })).rejects.toThrow(/already used/);
    expect(first.processName).toBe("taken");
  });

  it("after the controller restarts, waitFunction and registeredCallbacks answer from the new controller's view only", async () => {
    const folder = tempSocketFolder();
    let controller = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder]);
    await controller.waitForLine(/Controller has been started/);
    const provider = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "provider" });
    await provider.waitForLine(/^READY$/);
    let connects = 0;
    let disconnects = 0;
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent", onNodeConnect: () => connects++, onNodeDisconnect: () => disconnects++ });
    await g.waitFunction("add", { timeout: 5 });
    provider.kill("SIGSTOP"); // it will not reconnect before we let it
    controller.kill("SIGKILL");
    await eventually(() => disconnects === 1, 5000, "the node saw the controller go");
    expect(g.registeredCallbacks).toEqual({});
    controller = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder]);
    await controller.waitForLine(/Controller has been started/);
    await eventually(() => connects === 1, 5000, "the node is back");
    await expect(g.waitFunction("add", { timeout: 0.5 })).rejects.toBeInstanceOf(TimeoutError);
    expect(g.registeredCallbacks.add).toBeUndefined();
    provider.kill("SIGCONT");
    await g.waitFunction("add", { timeout: 10 });
    expect(await g.call.add(2, 3)).toBe(5);
  });
});

describe("streams end with their link", () => {
  it("when the link drops, the executor's generators end (finally runs) and readers fail with NodeDisconnectedError; stop() returns at once", async () => {
    const folder = tempSocketFolder();
    const controller = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder]);
    await controller.waitForLine(/Controller has been started/);
    const streamer = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "streamer" });
    await streamer.waitForLine(/^READY$/);
    const g = await Global.start({ unixSockPath: folder, logLevel: "silent" });
    const iterator = g.call.endless()[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toBe(0);
    controller.kill("SIGKILL");
    const outcome = await settled((async () => {
      for (;;) if ((await iterator.next()).done) return "done";
    })());
    expect(outcome).toBeInstanceOf(NodeDisconnectedError);
    await streamer.waitForLine(/^endless ended$/, 5000);
    const stoppedAt = Date.now();
    await g.stop();
    expect(Date.now() - stoppedAt).toBeLessThan(1000);
  });
});

describe("registration", () => {
  it("a callback added between HELLO and WELCOME is announced once the node is connected", async () => {
    const folder = tempSocketFolder();
    const controller = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder]);
    await controller.waitForLine(/Controller has been started/);
    controller.kill("SIGSTOP"); // the node's HELLO waits in the socket
    const g = new Global({ processName: "window", unixSockPath: folder, logLevel: "silent" });
    await sleep(300);
    callback(function addedInTheWindow(): string {
      return "announced";
    });
    controller.kill("SIGCONT");
    try {
      await g.waitFunction("addedInTheWindow", { timeout: 5 });
      expect(await g.call.addedInTheWindow()).toBe("announced");
    } finally {
      await g.stop();
    }
  });

  it("1,000 callbacks registered one by one cause a handful of REGISTER and REGISTRY messages, not 1,000", async () => {
    const folder = tempSocketFolder();
    const controller = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder], { DAFFI_LOG_LEVEL: "debug" });
    await controller.waitForLine(/Controller has been started/);
    const many = Spawned.script("test/fixtures/many-callbacks.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_COUNT: "1000" });
    await many.waitForLine(/^DONE 1000$/);
    const registries = controller.stderr.filter((line) => line.includes("Registry sent to"));
    expect(registries.length).toBeGreaterThan(0);
    expect(registries.length).toBeLessThan(6);
  });
});

describe("names that are Object.prototype keys", () => {
  it("toString, constructor, __proto__ and hasOwnProperty work as process and callback names", async () => {
    const { connection } = await startController("unix");
    for (const name of ["a", "toString", "__proto__"]) {
      const peer = Spawned.script("test/fixtures/peer.js", { ...connection.env, DAFFI_NAME: name });
      await peer.waitForLine(/^READY$/);
    }
    callback("constructor", () => "constructed");
    callback("hasOwnProperty", (key: string) => `has ${key}`);
    await using g = await Global.start({ processName: "names", ...connection.options, logLevel: "silent" });
    const menus = await g.call.menu().broadcast({ returnResult: true, timeout: 5 });
    expect(Object.keys(menus).sort()).toEqual(["__proto__", "a", "toString"]);
    expect(Object.hasOwn(menus, "__proto__")).toBe(true);
    expect(menus.toString).toBe("toString menu");
    expect(menus["__proto__"]).toBe("__proto__ menu");
    await g.waitProcess("toString", { timeout: 5 });
    await expect(g.waitProcess("valueOf", { timeout: 0.2 })).rejects.toBeInstanceOf(TimeoutError);
    await expect(g.waitFunction("isPrototypeOf", { timeout: 0.2 })).rejects.toBeInstanceOf(TimeoutError);
    await g.waitFunction("constructor", { timeout: 5 });
    expect(await g.call.constructor!()).toBe("constructed");
    expect(await g.call.hasOwnProperty!("x")).toBe("has x");
    expect(g.registeredCallbacks.constructor).toEqual(["names"]);
    expect(Object.hasOwn(g.registeredCallbacks, "hasOwnProperty")).toBe(true);
    expect(Object.getPrototypeOf(g.registeredCallbacks)).toBe(Object.prototype);
  });
});

describe("durations of any length", () => {
  const day = 24 * 3600;

  it("a timeout, an eta, an interval or an atTime of 30 days neither fires early nor breaks the frame", async () => {
    const { connection } = await startController("unix");
    const worker = Spawned.script("test/fixtures/peer.js", { ...connection.env, DAFFI_NAME: "patient" });
    await worker.waitForLine(/^READY$/);
    await using g = await Global.start({ ...connection.options, logLevel: "silent" });
    expect(await g.call.slowEcho("in time", 0.3).fg({ timeout: 30 * day })).toBe("in time");
    // Above 2^32-1 ms (what timeout_ms holds): still one call among others, nothing else fails.
    const [long, short] = await Promise.all([g.call.slowEcho("long", 0.2).fg({ timeout: 2 ** 33 / 1000 }), g.call.add(1, 2)]);
    expect([long, short]).toEqual(["long", 3]);
    const later = g.call.tick("eta").bg({ eta: 30 * day });
    const task = await g.call.tick("interval").period({ interval: "25d" });
    const atTime = await g.call.tick("atTime").period({ atTime: Date.now() + 30 * day * 1000 });
    const noReturn = settled(g.call.tick("no-return").noReturn({ eta: 30 * day }));
    await sleep(500);
    expect(await g.call.ticksOf("interval")).toBe(0);
    expect(await g.call.ticksOf("atTime")).toBe(0);
    expect(await g.call.ticksOf("eta")).toBe(0);
    expect(await g.call.ticksOf("no-return")).toBe(0);
    later.cancel();
    await task.cancel();
    await atTime.cancel();
    await g.stop();
    expect(await noReturn).toBeInstanceOf(StoppedError);
  });

  it("a heartbeat gRPC cannot time is refused locally", async () => {
    await expect(Global.start({ heartbeat: 30 * day, logLevel: "silent" })).rejects.toThrow(/heartbeat must be .* at most/);
  });
});

describe("stop clears everything", () => {
  it("etas of an hour, an hourly task and long waits end at stop(): the process exits by itself at once", async () => {
    const script = Spawned.script("test/fixtures/stop-with-timers.js");
    await script.waitForLine(/^STOPPED$/, 10_000);
    const stoppedAt = Date.now();
    await script.succeeds(5000);
    expect(Date.now() - stoppedAt).toBeLessThan(1000);
    expect(script.stdout).toContain("OUTCOMES STOPPED STOPPED STOPPED STOPPED");
  });
});
