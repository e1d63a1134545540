// daffi on NATS (issue 19): no controller, real nats-server processes, nodes in processes of their
// own. Every kind of call works; process names are unique across the system; a provider killed is
// noticed within its heartbeat; a NATS server restarted, or one of a cluster killed under load, is
// survived with no call hanging and none getting another's answer.
import * as net from "node:net";
import { connect } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { BROADCAST, CallbackNotFoundError, ConfigurationError, ContractMismatchError, Fetcher, Global, NO_RETURN, NodeDisconnectedError, PayloadTooLargeError, PERIOD, PermissionDeniedError, ProcessNameInUseError, RemoteError, TimeoutError } from "../runtime";
import { eventually } from "./helpers/eventually";
import { NatsServer } from "./helpers/NatsServer";
import { RawNatsPeer } from "./helpers/RawNatsPeer";
import { freePort } from "./helpers/system";
import { decode, encode } from "../runtime/wire/codec";
import { settled } from "./helpers/settled";
import { streamsBothWays } from "./helpers/streamsBothWays";
import { killAll, Spawned } from "./helpers/Spawned";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


/** `add` as the peers do not serve it (they take two numbers). */
interface WrongAddApi {
  add(a: string): string;
}
class WrongAdd extends Fetcher<WrongAddApi> {}

const servers: NatsServer[] = [];
afterAll(async () => {
  await killAll();
  await Promise.all(servers.map((server) => server.kill()));
});

/** A peer fixture on NATS (DAFFI_NATS), named `name`. */
function peer(urls: string, name: string, env: Record<string, string> = {}, script = "test/fixtures/peer.js"): Spawned {
  return Spawned.script(script, { DAFFI_NATS: urls, DAFFI_NAME: name, DAFFI_ALLOW_TRANSFER: "1", ...env });
}

describe("every kind of call on one NATS server", () => {
  let server: NatsServer;
  let g: Global;
  const peers: Spawned[] = [];

  beforeAll(async () => {
    server = await NatsServer.start();
    servers.push(server);
    peers.push(peer(server.url, "p1"), peer(server.url, "p2"), peer(server.url, "streamer", {}, "test/fixtures/stream-service.js"));
    await Promise.all(peers.map((child) => child.waitForLine(/^READY$/, 20_000)));
    g = await Global.start({ processName: "nats-caller", nats: { servers: [server.url] }, logLevel: "silent" });
    await g.waitProcess("p1", { timeout: 10 });
    await g.waitProcess("p2", { timeout: 10 });
    await g.waitFunction("range", { timeout: 10 });
  }, 60_000);

  afterAll(() => g?.stop());

  it("the registry lists every process and its callbacks", () => {
    expect(g.registeredCallbacks.add?.sort()).toEqual(["p1", "p2"]);
    expect(g.registeredCallbacks.range).toEqual(["streamer"]);
  });

  it("FG and BG, many at once, each its own answer", async () => {
    expect(await g.call.add(2, 3)).toBe(5);
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => g.call.add(i, 1)));
    expect(results).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(await g.call.addAsync(20, 22).bg().get()).toBe(42);
  });

  it("errors are rebuilt on the caller", async () => {
    const error = await settled(g.call.fail("boom"));
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toMatch(/boom/);
  });

  it("BROADCAST, results gathered by process, and without results; NO_RETURN runs once", async () => {
    expect(await g.call.menu().with(BROADCAST({ returnResult: true, timeout: 5 }))).toEqual({ p1: "p1 menu", p2: "p2 menu" });
    await g.call.tick("broadcast-nr").with(BROADCAST({ returnResult: false }));
    await g.call.tick("nr").with(NO_RETURN());
    await eventually(async () => {
      const counts = (await g.call.ticksOf("broadcast-nr").with(BROADCAST({ returnResult: true, timeout: 5 }))) as Record<string, number>;
      const once = (await g.call.ticksOf("nr").with(BROADCAST({ returnResult: true, timeout: 5 }))) as Record<string, number>;
      return counts.p1 === 1 && counts.p2 === 1 && (once.p1 ?? 0) + (once.p2 ?? 0) === 1;
    }, 5000, "the ticks");
  });

  it("streams both ways, with flow control; a break ends the producer", async () => {
    await streamsBothWays(peers);
  });

  it("a timeout cancels the call; PERIOD, the scheduled-task built-ins and transfer work", async () => {
    await expect(g.call.slowEcho(1, 5).fg({ timeout: 0.2 })).rejects.toBeInstanceOf(TimeoutError);
    const task = (await g.call.tick("period").with(PERIOD({ interval: 0.05 }))) as { id: string; process: string };
    expect(["p1", "p2"]).toContain(task.process);
    expect(await g.getScheduledTasks(task.process)).toContain(task.id);
    await g.cancelScheduledTask(task.process, task.id);
    expect(await g.getScheduledTasks(task.process)).not.toContain(task.id);
    expect(await g.transferAndCall("p1", (a: number, b: number) => a * b, 6, 7)).toBe(42);
  });

  it("1 MiB arguments and results cross", async () => {
    const big = new Uint8Array(1024 * 1024).fill(9);
    expect(await g.call.hold(big, 0)).toBe(big.length);
    expect(((await g.call.bytes(1024 * 1024)) as Uint8Array).length).toBe(1024 * 1024);
    // Above the servers' max_payload (8 MiB here): refused at once, and the next call goes on.
    const tooBig = g.call.hold(new Uint8Array(9 * 1024 * 1024), 0).fg({ timeout: 10 });
    await expect(tooBig).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(tooBig).rejects.toThrow(/max_payload/);
    expect(await g.call.hold(big, 0)).toBe(big.length);
  });

  it("a second process of a name in use is refused with ProcessNameInUseError", async () => {
    await expect(Global.start({ processName: "p1", nats: { servers: [server.url] }, logLevel: "silent" })).rejects.toBeInstanceOf(ProcessNameInUseError);
    const again = peer(server.url, "p2");
    const exit = await again.waitForExit(15_000);
    expect(exit.code).not.toBe(0);
    expect(again.output()).toMatch(/ProcessNameInUseError|already used/);
    expect(await g.call.whoami().fg({ timeout: 5 })).toMatch(/^p[12]$/);
  });

  it("a provider killed: its callers' calls fail within its heartbeat, and it leaves the registry", async () => {
    const short = peer(server.url, "short-lived", { DAFFI_HEARTBEAT: "1" });
    await short.waitForLine(/^READY$/, 20_000);
    await g.waitFunction("sleep_short-lived", { timeout: 10 });
    const pending = settled(g.call["sleep_short-lived"]!(30));
    await sleep(200);
    const killed = Date.now();
    short.kill("SIGKILL");
    const error = await pending;
    expect(error).toBeInstanceOf(NodeDisconnectedError);
    expect(Date.now() - killed).toBeLessThan(3000);
    await eventually(() => g.registeredCallbacks["sleep_short-lived"] === undefined, 1000, "the registry without it");
  }, 30_000);

  it("lifecycle hooks, call context, interceptors and contract checks cross NATS", async () => {
    const ctx = peer(server.url, "ctx", {}, "test/fixtures/context-peer.js");
    await ctx.waitForLine(/^READY$/, 20_000);
    const hooks: string[] = [];
    await using intercepting = await Global.start({
      processName: "intercepting",
      onInit: () => void hooks.push("init"),
      onNodeConnect: () => void hooks.push("connect"),
      nats: { servers: [server.url] },
      logLevel: "silent",
      interceptors: [{ outgoing: (call, next) => (call.metadata.set("request-id", "r-1"), next(call)) }],
    });
    await intercepting.waitFunction("context_ctx", { timeout: 10 });
    await eventually(() => hooks.includes("init") && hooks.includes("connect"), 5000, "the lifecycle hooks");
    const before = Date.now();
    const seen = (await intercepting.call.context_ctx().fg({ timeout: 5, metadata: { tenant: "t" } })) as { caller: string; deadline: number; metadata: Record<string, string> };
    expect(seen).toMatchObject({ caller: "intercepting", metadata: { tenant: "t", "request-id": "r-1" } });
    expect(seen.deadline).toBeGreaterThanOrEqual(before + 4000);
    // The caller's timeout aborts the callback's signal on the other side.
    await expect(intercepting.call.hold_ctx("nats-timeout").fg({ timeout: 0.3 })).rejects.toBeInstanceOf(TimeoutError);
    await eventually(async () => /Timeout/.test(String(await intercepting.call.abortOf_ctx("nats-timeout"))), 5000, "the abort on the executor");
    // A fetcher whose signature the provider does not serve is refused before sending.
    await expect(new WrongAdd().add("one")).rejects.toBeInstanceOf(ContractMismatchError);
    ctx.kill();
  });

  it("calls on a connection announced a moment later are taken, also from a process once dropped for its silence", async () => {
    const nc = await connect({ servers: [server.url] });
    try {
      for (const [name, silentFirst] of [["raw-1", false], ["raw-2", true]] as const) {
        const raw = new RawNatsPeer(nc, name);
        await raw.learn("p1");
        raw.announce();
        raw.beat(true);
        await sleep(500);
        if (silentFirst) {
          // Silent past its heartbeat: dropped; then back on another connection.
          raw.beat(false);
          await sleep(1200);
          raw.newLink();
          raw.announce();
          raw.beat(true);
          await sleep(500);
        }
        // A new connection (as after a reconnection) whose call comes before its announcement.
        raw.beat(false);
        raw.newLink();
        raw.call("p1", 1, "add", [1, 2]);
        await nc.flush();
        await sleep(300);
        raw.announce();
        raw.beat(true);
        await eventually(() => raw.answers.has(1), 3000, `${name}'s answer`);
        raw.beat(false);
        expect(raw.answers.get(1)).toBe("RESULT 3");
      }
    } finally {
      await nc.close();
    }
  });

  it("a flood of hello asks for announcements costs at most one answer per 200 ms", async () => {
    const flooder = await connect({ servers: [server.url] });
    try {
      let answers = 0;
      flooder.subscribe("daffi.presence.p1", { callback: () => void answers++ });
      await flooder.flush();
      for (let i = 0; i < 2000; i++) flooder.publish("daffi.hello");
      await flooder.flush();
      await sleep(1000);
      expect(answers).toBeGreaterThanOrEqual(1);
      expect(answers).toBeLessThanOrEqual(7);
    } finally {
      await flooder.close();
    }
  });

  it("a stopping process says goodbye: it leaves the registry at once", async () => {
    const leaving = peer(server.url, "leaving");
    await leaving.waitForLine(/^READY$/, 20_000);
    await g.waitProcess("leaving", { timeout: 10 });
    leaving.kill("SIGTERM");
    await leaving.waitForExit(10_000);
    await eventually(() => g.registeredCallbacks.sleep_leaving === undefined, 1000, "the goodbye");
  });
});

describe("on a server's default max_payload (1 MiB)", () => {
  it("a burst of calls with metadata is split into messages the server takes: every call answered", async () => {
    const server = await NatsServer.start({ maxPayload: 1024 * 1024 });
    servers.push(server);
    const provider = peer(server.url, "adder");
    await provider.waitForLine(/^READY$/, 20_000);
    await using g = await Global.start({ processName: `caller-${"c".repeat(100)}`, nats: { servers: [server.url] }, logLevel: "silent" });
    await g.waitProcess("adder", { timeout: 10 });
    const metadata = { traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01`, tenant: "t".repeat(100) };
    const results = await Promise.all(Array.from({ length: 5000 }, (_, i) => g.call.add(i, 1).fg({ timeout: 10, metadata })));
    expect(results.every((result, i) => result === i + 1)).toBe(true);
    expect(await g.call.add(2, 2).fg({ timeout: 5 })).toBe(4);
  }, 60_000);
});

describe("options", () => {
  it("nats with a controller's options is a ConfigurationError", async () => {
    await expect(Global.start({ nats: { servers: ["nats://127.0.0.1:1"] }, initController: true })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(Global.start({ nats: { servers: [] } })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(Global.start({ nats: { servers: ["nats://127.0.0.1:1"] }, host: "localhost" })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(Global.start({ nats: { servers: ["nats://127.0.0.1:1"], namespace: "a b" } })).rejects.toBeInstanceOf(ConfigurationError);
  });

  it("no NATS server: connectTimeout ends the start with TimeoutError, and nothing goes on trying", async () => {
    const port = await freePort();
    const started = Global.start({ nats: { servers: [`nats://127.0.0.1:${port}`] }, connectTimeout: 0.5, logLevel: "silent" });
    await expect(started).rejects.toBeInstanceOf(TimeoutError);
    await expect(started).rejects.toThrow(/last error: could not connect to NATS/);
    // A server appearing later on that port is never reached by the start that gave up.
    let attempts = 0;
    const listener = net.createServer((socket) => {
      attempts += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(port, "127.0.0.1", resolve));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await new Promise((resolve) => listener.close(resolve));
    expect(attempts).toBe(0);
  });
});

describe("NATS servers failing", () => {
  let g: Global | undefined;
  afterEach(async () => {
    await g?.stop();
    g = undefined;
  });

  it("a NATS server restart is survived: no daffi process restarts, calls work again", async () => {
    const server = await NatsServer.start();
    servers.push(server);
    const provider = peer(server.url, "survivor", { DAFFI_HEARTBEAT: "2" });
    await provider.waitForLine(/^READY$/, 20_000);
    g = await Global.start({ processName: "restart-caller", nats: { servers: [server.url] }, heartbeat: 2, logLevel: "silent" });
    await g.waitProcess("survivor", { timeout: 10 });
    expect(await g.call.whoami()).toBe("survivor");
    const inFlight = settled(g.call.slowEcho("lost?", 1));
    await server.kill();
    await sleep(300);
    // Made while no server is there: it waits for the connection, as a call waits for a controller.
    const during = g.call.echo("during").fg({ timeout: 20 });
    await sleep(300);
    await server.run();
    expect(await during).toBe("during");
    // In flight when the server went: answered, or NodeDisconnectedError; never left waiting.
    const outcome = await inFlight;
    if (outcome instanceof Error) expect(outcome).toBeInstanceOf(NodeDisconnectedError);
    else expect(outcome).toBe("lost?");
    await eventually(async () => (await settled(g!.call.whoami().fg({ timeout: 1 }))) === "survivor", 15_000, "calls after the restart");
    expect(provider.exitedEarly()).toBe(false);
  }, 60_000);

  it("a server back with other credentials for a while, then with the right ones: the process reconnects by itself", async () => {
    const users = (password: string) => `authorization { users: [ { user: worker, password: worker-pass }, { user: caller, password: ${password} } ] }`;
    const server = await NatsServer.start({ extra: users("caller-pass") });
    servers.push(server);
    const provider = peer(server.url, "steady", { DAFFI_NATS_USER: "worker", DAFFI_NATS_PASS: "worker-pass", DAFFI_HEARTBEAT: "2" });
    await provider.waitForLine(/^READY$/, 20_000);
    g = await Global.start({ processName: "rotating", nats: { servers: [server.url], user: "caller", pass: "caller-pass" }, logLevel: "silent" });
    await g.waitProcess("steady", { timeout: 10 });
    expect(await g.call.whoami().fg({ timeout: 5 })).toBe("steady");
    // The server comes back refusing this caller's password (NATS's client would give up after two refusals) …
    await server.kill();
    server.reconfigure(users("another-pass"));
    await server.run();
    await sleep(1500);
    // … then with the right one again.
    await server.kill();
    server.reconfigure(users("caller-pass"));
    await server.run();
    await eventually(async () => (await settled(g!.call.whoami().fg({ timeout: 2 }))) === "steady", 15_000, "calls working again");
    expect(provider.exitedEarly()).toBe(false);
  }, 60_000);

  it("a 3-server cluster with one server killed under load: no call hangs, none gets another's answer", async () => {
    const cluster = await NatsServer.cluster(3);
    servers.push(...cluster);
    const urls = cluster.map((server) => server.url);
    // Each provider on another server than the caller, so that calls cross the cluster's routes.
    const providers = [peer(urls[1]!, "c1", { DAFFI_HEARTBEAT: "2" }), peer(urls[2]!, "c2", { DAFFI_HEARTBEAT: "2" })];
    await Promise.all(providers.map((child) => child.waitForLine(/^READY$/, 20_000)));
    g = await Global.start({ processName: "cluster-caller", nats: { servers: [urls[0]!, urls[1]!, urls[2]!] }, heartbeat: 2, logLevel: "silent" });
    await g.waitProcess("c1", { timeout: 10 });
    await g.waitProcess("c2", { timeout: 10 });
    const caller = g;
    let stop = false;
    let answered = 0;
    let failed = 0;
    const wrong: string[] = [];
    const chain = async (id: number) => {
      for (let i = 0; !stop; i++) {
        const value = `${id}-${i}`;
        try {
          const back = await caller.call.chaos(value, 5).fg({ timeout: 10 });
          if (back !== value) wrong.push(`${value} got ${String(back)}`);
          answered++;
        } catch (error) {
          if (!(error instanceof NodeDisconnectedError) && !(error instanceof Error && /CallbackNotFound|no connected process/.test(`${error.name} ${error.message}`))) throw error;
          failed++;
          await sleep(20);
        }
      }
    };
    const chains = Array.from({ length: 32 }, (_, id) => chain(id));
    await sleep(1000);
    const before = answered;
    // The server the caller is connected to (its first URL, unless it picked another) — kill whichever holds it.
    await cluster[0]!.kill();
    await sleep(3000);
    const afterKill = answered;
    stop = true;
    await Promise.all(chains);
    expect(wrong).toEqual([]);
    expect(before).toBeGreaterThan(0);
    expect(afterKill).toBeGreaterThan(before);
    expect(await caller.call.whoami().fg({ timeout: 5 })).toMatch(/^c[12]$/);
    expect(failed).toBeGreaterThanOrEqual(0);
  }, 90_000);
});

describe("NATS's own permissions", () => {
  // Users of the server, each speaking only as its own process (README: Permissions on NATS).
  const list = (items: string[]) => `[${items.map((item) => `"${item}"`).join(", ")}]`;
  const user = (name: string, password: string, process: string, deny: string[] = []) => {
    const publish = [`daffi.presence.${process}`, `daffi.alive.${process}`, `daffi.bye.${process}`, `daffi.claim.${process}`, "daffi.hello", "daffi.sync.*", `daffi.p.*.${process}`, "_INBOX.>"];
    const subscribe = ["daffi.presence.*", "daffi.alive.*", "daffi.bye.*", "daffi.hello", `daffi.sync.${process}`, `daffi.claim.${process}`, `daffi.p.${process}.*`, "_INBOX.>"];
    return `{ user: ${name}, password: ${password}, permissions: { publish: { allow: ${list(publish)}, deny: ${list(deny)} }, subscribe: ${list(subscribe)} } }`;
  };
  /** A server of its own that knows only these users. */
  const serverWith = async (...users: string[]): Promise<NatsServer> => {
    const server = await NatsServer.start({ extra: `authorization {\n  users: [\n    ${users.join("\n    ")}\n  ]\n}` });
    servers.push(server);
    return server;
  };

  it("a process the server does not let publish to another cannot call it: PermissionDeniedError, no hang", async () => {
    // "worker" runs "guarded"; "guest" runs "guest" and may not send to "guarded".
    const server = await serverWith(user("worker", "worker-pass", "guarded"), user("guest", "guest-pass", "guest", ["daffi.p.guarded.guest"]));
    const worker = peer(server.url, "guarded", { DAFFI_NATS_USER: "worker", DAFFI_NATS_PASS: "worker-pass" });
    await worker.waitForLine(/^READY$/, 20_000);
    await using guest = await Global.start({ processName: "guest", nats: { servers: [server.url], user: "guest", pass: "guest-pass" }, logLevel: "silent" });
    await guest.waitProcess("guarded", { timeout: 10 });
    const started = Date.now();
    await expect(guest.call.whoami().fg({ timeout: 10 })).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(Date.now() - started).toBeLessThan(5000);
    // A user cannot run a process under a name that is not its own: refused at the start.
    await expect(Global.start({ processName: "guarded-too", nats: { servers: [server.url], user: "guest", pass: "guest-pass" }, connectTimeout: 5, logLevel: "silent" })).rejects.toBeInstanceOf(PermissionDeniedError);
    // Wrong password: refused at the start, with the server's reason.
    await expect(Global.start({ processName: "intruder", nats: { servers: [server.url], user: "guest", pass: "wrong" }, connectTimeout: 5, logLevel: "silent" })).rejects.toBeInstanceOf(PermissionDeniedError);
  }, 60_000);

  it("a process that may not answer another: the caller's call fails with PermissionDeniedError, not a timeout", async () => {
    // "guest" may not send to "caller": the call would run, its answer could not come back.
    const server = await serverWith(user("caller", "caller-pass", "caller"), user("guest", "guest-pass", "guest", ["daffi.p.caller.guest"]));
    const guest = peer(server.url, "guest", { DAFFI_NATS_USER: "guest", DAFFI_NATS_PASS: "guest-pass" });
    await guest.waitForLine(/^READY$/, 20_000);
    await using g = await Global.start({ processName: "caller", nats: { servers: [server.url], user: "caller", pass: "caller-pass" }, logLevel: "silent" });
    await g.waitProcess("guest", { timeout: 10 });
    const started = Date.now();
    await expect(g.call.whoami().fg({ timeout: 20 })).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(Date.now() - started).toBeLessThan(5000);
    // Meanwhile the guest is not offered as a provider to the caller: the next call fails at once.
    await expect(g.call.whoami().fg({ timeout: 20 })).rejects.toBeInstanceOf(CallbackNotFoundError);
  }, 60_000);

  it("a user pinned to its own name cannot pass for another process by repeating its connection id", async () => {
    const server = await serverWith(user("worker", "worker-pass", "guarded"), user("caller", "caller-pass", "caller"), user("evil", "evil-pass", "evil"));
    const worker = peer(server.url, "guarded", { DAFFI_NATS_USER: "worker", DAFFI_NATS_PASS: "worker-pass", DAFFI_HEARTBEAT: "2" });
    await worker.waitForLine(/^READY$/, 20_000);
    await using g = await Global.start({ processName: "caller", nats: { servers: [server.url], user: "caller", pass: "caller-pass" }, logLevel: "silent" });
    await g.waitProcess("guarded", { timeout: 10 });
    // evil reads guarded's announcement (everyone may) and repeats its connection id as its own.
    const evil = await connect({ servers: [server.url], user: "evil", pass: "evil-pass" });
    try {
      const announcements = evil.subscribe("daffi.presence.guarded", { max: 1 });
      evil.publish("daffi.sync.guarded");
      let guarded: { link: string; seq: number } | undefined;
      for await (const msg of announcements) guarded = decode(msg.data) as { link: string; seq: number };
      const fake = { ...guarded!, name: "evil", process: "ee".repeat(8), callbacks: [], fingerprints: [] };
      evil.publish("daffi.presence.evil", encode(fake));
      await sleep(300);
      // guarded's answers still reach the caller, and guarded stays as it is.
      for (let i = 0; i < 5; i++) expect(await g.call.whoami().fg({ timeout: 5 })).toBe("guarded");
      // evil keeps the connection id alive; guarded, killed, is still found gone within its heartbeat.
      const alive = setInterval(() => evil.publish("daffi.alive.evil", encode({ name: "evil", process: fake.process, link: fake.link, seq: fake.seq })), 200);
      try {
        const pending = g.call.slowWhoami(30).fg({ timeout: 20 });
        pending.catch(() => undefined);
        await sleep(300);
        worker.kill("SIGKILL");
        const killed = Date.now();
        await expect(pending).rejects.toBeInstanceOf(NodeDisconnectedError);
        expect(Date.now() - killed).toBeLessThan(4500);
        await eventually(() => g.registeredCallbacks.sleep_guarded === undefined, 3000, "guarded leaving the registry");
      } finally {
        clearInterval(alive);
      }
    } finally {
      await evil.close();
    }
  }, 60_000);
});
