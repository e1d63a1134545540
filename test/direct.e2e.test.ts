// Direct links: a node calls another on a link of its own (one hop), the controller only telling who
// serves what. Every kind of call works on them (shown with the controller killed, so nothing else
// could carry them); the executor applies the controller's rules; a link that cannot be made costs
// nothing; an executor that dies fails its callers' calls at once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { BROADCAST, Global, NO_RETURN, NodeDisconnectedError, PERIOD, PermissionDeniedError, TimeoutError } from "../runtime";
import { prove, SigningKey, TicketIssuer } from "../runtime/direct/Ticket";
import { decode, encode } from "../runtime/wire/codec";
import type { Frame, ReceivedFrame } from "../runtime/wire/Frame";
import { Kind } from "../runtime/wire/Kind";
import { PROTOCOL_VERSION } from "../runtime/wire/limits";
import { decodeBatch, encodeBatch } from "../runtime/wire/protocol";
import { makeCertificates } from "./helpers/certificates";
import { eventually } from "./helpers/eventually";
import { settled } from "./helpers/settled";
import { streamsBothWays } from "./helpers/streamsBothWays";
import { CLI, killAll, Spawned } from "./helpers/Spawned";
import { type Connection, startController, tempSocketFolder } from "./helpers/system";

// This suite is about direct links: on whatever the environment says (the CI's second run sets DAFFI_DIRECT=0 for the others).
process.env.DAFFI_DIRECT = "1";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


/** Calls whoami until every name in `names` answered and this node has a direct link to each. */
async function linked(g: Global, names: string[]): Promise<void> {
  await eventually(
    async () => {
      await g.call.whoami();
      return names.every((name) => g.directLinks.includes(name));
    },
    15_000,
    `direct links to ${names.join(", ")}`,
  );
}

afterAll(() => killAll());

/** The node lost the controller: its registry is stale (nothing registered is known). */
function gone(g: Global): boolean {
  return Object.keys(g.registeredCallbacks).length === 0;
}

describe("every kind of call on direct links, with the controller gone", () => {
  let controller: Spawned;
  let g: Global;
  const peers: Spawned[] = [];

  beforeAll(async () => {
    const started = await startController("unix");
    controller = started.controller;
    for (const name of ["p1", "p2"]) peers.push(Spawned.script("test/fixtures/peer.js", { ...started.connection.env, DAFFI_NAME: name, DAFFI_ALLOW_TRANSFER: "1" }));
    peers.push(Spawned.script("test/fixtures/stream-service.js", { ...started.connection.env, DAFFI_NAME: "streamer" }));
    await Promise.all(peers.map((peer) => peer.waitForLine(/^READY$/)));
    g = await Global.start({ processName: "direct-caller", ...started.connection.options, logLevel: "silent" });
    await g.waitFunction("range", { timeout: 10 });
    await linked(g, ["p1", "p2"]);
    await g.call.range(1);
    await eventually(() => g.directLinks.includes("streamer"), 5000, "a direct link to the streamer");
    // Nothing but the direct links is left to carry a call.
    controller.kill("SIGKILL");
    await controller.exited;
    await eventually(() => gone(g), 5000, "the caller noticing the controller is gone");
  }, 40_000);

  afterAll(() => g?.stop());

  it("FG and BG", async () => {
    expect(await g.call.add(2, 3)).toBe(5);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => g.call.add(i, 1)));
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(await g.call.addAsync(20, 22).bg().get()).toBe(42);
  });

  it("BROADCAST, results gathered by process, and without results", async () => {
    expect(await g.call.menu().with(BROADCAST({ returnResult: true, timeout: 5 }))).toEqual({ p1: "p1 menu", p2: "p2 menu" });
    await g.call.tick("broadcast-nr").with(BROADCAST({ returnResult: false }));
    await eventually(async () => {
      const counts = (await g.call.ticksOf("broadcast-nr").with(BROADCAST({ returnResult: true, timeout: 5 }))) as Record<string, number>;
      return counts.p1 === 1 && counts.p2 === 1;
    }, 5000, "both ticks");
  });

  it("NO_RETURN runs once, on one provider", async () => {
    await expect(g.call.tick("nr").with(NO_RETURN())).resolves.toBeUndefined();
    await eventually(async () => {
      const counts = (await g.call.ticksOf("nr").with(BROADCAST({ returnResult: true, timeout: 5 }))) as Record<string, number>;
      return (counts.p1 ?? 0) + (counts.p2 ?? 0) === 1;
    }, 5000, "one tick");
  });

  it("streams both ways, with flow control; a break ends the producer", async () => {
    await streamsBothWays(peers);
  });

  it("a timeout cancels the call on the executor; PERIOD, the scheduled-task built-ins and transfer work", async () => {
    await expect(g.call.slowEcho(1, 5).fg({ timeout: 0.2 })).rejects.toBeInstanceOf(TimeoutError);
    const task = (await g.call.tick("period").with(PERIOD({ interval: 0.05 }))) as { id: string; process: string };
    expect(["p1", "p2"]).toContain(task.process);
    expect(await g.getScheduledTasks(task.process)).toContain(task.id);
    await eventually(async () => ((await g.call.ticksOf("period").with(BROADCAST({ returnResult: true, timeout: 5 }))) as Record<string, number>)[task.process]! >= 2, 5000, "ticks");
    await g.cancelScheduledTask(task.process, task.id);
    expect(await g.getScheduledTasks(task.process)).not.toContain(task.id);
    expect(await g.transferAndCall("p1", (a: number, b: number) => a * b, 6, 7)).toBe(42);
  });

  it("the executor dies: its callers' calls on the link fail at once with NodeDisconnectedError", async () => {
    const started = Date.now();
    const pending = settled(g.call.sleep_p2(30));
    await sleep(200);
    peers[1]!.kill("SIGKILL");
    const error = await pending;
    expect(error).toBeInstanceOf(NodeDisconnectedError);
    expect((error as Error).message).toMatch(/direct link to process 'p2'/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(g.directLinks).not.toContain("p2");
  });

  it("a stop with the controller gone still lets the direct calls in flight finish", async () => {
    const pending = g.call.slowEcho("last", 0.5).fg();
    await sleep(50);
    await g.stop();
    await expect(pending).resolves.toBe("last");
  });
});

describe("with direct: false", () => {
  it("every call goes through the controller: without it, nothing is answered", async () => {
    const { controller, connection } = await startController("unix");
    const peer = Spawned.script("test/fixtures/peer.js", { ...connection.env, DAFFI_NAME: "only-brokered" });
    await peer.waitForLine(/^READY$/);
    await using g = await Global.start({ processName: "brokered-caller", ...connection.options, direct: false, logLevel: "silent" });
    for (let i = 0; i < 20; i++) expect(await g.call.add(i, i)).toBe(2 * i);
    expect(g.directLinks).toEqual([]);
    controller.kill("SIGKILL");
    await eventually(() => gone(g), 5000, "the caller noticing the controller is gone");
    await expect(g.call.add(1, 1).fg({ timeout: 0.5 })).rejects.toBeInstanceOf(TimeoutError);
  }, 30_000);

  it("a controller started with --no-direct gives no tickets: its nodes make no direct links", async () => {
    const folder = tempSocketFolder();
    const controller = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder, "--no-direct"]);
    await controller.waitForLine(/Controller has been started successfully/);
    const peer = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "no-tickets" });
    await peer.waitForLine(/^READY$/);
    await using g = await Global.start({ processName: "no-tickets-caller", unixSockPath: folder, logLevel: "silent" });
    for (let i = 0; i < 20; i++) await g.call.whoami();
    await sleep(300);
    expect(g.directLinks).toEqual([]);
  }, 30_000);
});

describe("the controller's rules, applied by the executor", () => {
  const TOKENS = { WORKER_TOKEN: "worker-secret-0123456789", WEB_TOKEN: "web-secret-0123456789" };
  const AUTH = {
    identities: {
      worker: { token: "env:WORKER_TOKEN", processNames: ["worker-*"], serve: ["add", "echo", "whoami", "bytes"], call: [] },
      web: { token: "env:WEB_TOKEN", processNames: ["web-*"], serve: [], call: ["echo", "whoami"] },
    },
  };
  let g: Global | undefined;
  afterEach(async () => {
    await g?.stop();
    g = undefined;
  });

  it("with the controller gone, a call the identity may not make is refused by the executor; one it may make is answered", async () => {
    const folder = tempSocketFolder();
    const authFile = path.join(folder, "auth.json");
    fs.writeFileSync(authFile, JSON.stringify(AUTH));
    const controller = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder, "--auth", authFile], TOKENS);
    await controller.waitForLine(/Controller has been started successfully.*\(auth\)/);
    const worker = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "worker-1", DAFFI_TOKEN: TOKENS.WORKER_TOKEN });
    await worker.waitForLine(/^READY$/);
    g = await Global.start({ processName: "web-1", unixSockPath: folder, token: TOKENS.WEB_TOKEN, logLevel: "silent" });
    await linked(g, ["worker-1"]);
    controller.kill("SIGKILL");
    await eventually(() => gone(g!), 5000, "the caller noticing the controller is gone");
    expect(await g.call.echo("hi")).toBe("hi");
    // A caller refuses by its own ticket what the controller would; a hostile one would not: as if this one did not.
    expect(await settled(g.call.add(1, 2))).toBeInstanceOf(PermissionDeniedError);
    (g as unknown as { node: { directRules?: unknown } }).node.directRules = undefined;
    const refused = await settled(g.call.add(1, 2));
    expect(refused).toBeInstanceOf(PermissionDeniedError);
    expect((refused as Error).message).toMatch(/identity 'web' may not call 'add'/);
    // transferAndCall needs transfer: true.
    expect(await settled(g.transferAndCall("worker-1", () => 1))).toBeInstanceOf(PermissionDeniedError);
  }, 30_000);
});

/** A raw Connect stream to an address: what a hostile program can do. */
function rawLink(target: string): { frames: ReceivedFrame[]; send(frames: Frame[]): void; ended: Promise<void>; close(): void } {
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  const stream = client.makeBidiStreamRequest<{ frames: Frame[] }, ReceivedFrame[]>("/daffi.Daffi/Connect", encodeBatch, decodeBatch);
  const frames: ReceivedFrame[] = [];
  stream.on("data", (batch: ReceivedFrame[]) => frames.push(...batch));
  const ended = new Promise<void>((resolve) => {
    stream.on("error", () => resolve());
    stream.on("end", () => resolve());
  });
  return { frames, send: (batch) => stream.write({ frames: batch }), ended, close: () => client.close() };
}

/** A controller and a peer named "target", and the gRPC target of the target's direct-link socket. */
async function startTarget(): Promise<{ connection: Connection; target: string }> {
  const { connection } = await startController("unix");
  const folder = connection.options.unixSockPath!;
  const peer = Spawned.script("test/fixtures/peer.js", { ...connection.env, DAFFI_NAME: "target" });
  await peer.waitForLine(/^READY$/);
  const socket = fs.readdirSync(folder).find((name) => name.startsWith(`n-${peer.pid}-`));
  expect(socket).toBeDefined();
  return { connection, target: `unix:${path.join(folder, socket!)}` };
}

describe("a hostile program on a node's direct socket", () => {
  it("is refused without a ticket the controller signed, or a proof of the ticket's key; the node goes on serving", async () => {
    const { connection, target } = await startTarget();
    const key = new SigningKey();
    const forged = new TicketIssuer().issue({ process: "attacker", identity: "anyone", call: ["*"], transfer: true, enforced: false, key: key.publicKey });
    const nonce = Buffer.alloc(16, 1);
    const attempts: Frame[][] = [
      [{ kind: Kind.CALL, callId: 1, name: "add", payload: encode([1, 2]) }],
      [{ kind: Kind.HELLO, name: "attacker", payload: encode({ protocol: PROTOCOL_VERSION, ticket: forged, nonce }) }],
      [{ kind: Kind.HELLO, name: "attacker", payload: encode({ protocol: PROTOCOL_VERSION, ticket: Buffer.from("junk"), nonce }) }],
    ];
    for (const attempt of attempts) {
      const link = rawLink(target);
      link.send(attempt);
      await link.ended;
      link.close();
      expect(link.frames.map((frame) => frame.kind)).toEqual([Kind.ERROR]);
      expect(link.frames.some((frame) => frame.kind === Kind.RESULT)).toBe(false);
      const error = decode<{ code: string }>(link.frames[0]!.payload);
      expect(["PROTOCOL", "PERMISSION_DENIED"]).toContain(error.code);
    }
    // A real node's ticket, replayed by someone without its key: the proof of the key is missing.
    await using g = await Global.start({ processName: "honest", ...connection.options, logLevel: "silent" });
    await linked(g, ["target"]);
    expect(await g.call.add(2, 2)).toBe(4);
  }, 30_000);
});

describe("direct links with TLS, over TCP", () => {
  it("nodes with their own certificate talk with mutual TLS; a caller without one is called back through the controller", async () => {
    const certs = makeCertificates();
    const controller = new Spawned("controller", [CLI, "controller", "--host", "127.0.0.1", "--port", "0", "--ssl-certificate", certs.server.cert, "--ssl-key", certs.server.key]);
    const [, port] = await controller.waitForLine(/port: (\d+) \] \(TLS\)/);
    const tls = { DAFFI_SSL_CERTIFICATE: certs.client.cert, DAFFI_SSL_KEY: certs.client.key, DAFFI_SSL_CA: certs.ca.cert };
    const peer = Spawned.script("test/fixtures/peer.js", { ...tls, DAFFI_NAME: "tls-peer", DAFFI_HOST: "127.0.0.1", DAFFI_PORT: port });
    await peer.waitForLine(/^READY$/);
    const address = { host: "127.0.0.1", port: Number(port), logLevel: "silent" as const };
    await using withCertificate = await Global.start({ ...address, processName: "tls-caller", sslCertificate: certs.client.cert, sslKey: certs.client.key, sslCa: certs.ca.cert });
    await using withoutCertificate = await Global.start({ ...address, processName: "plain-caller", sslCa: certs.ca.cert });
    await linked(withCertificate, ["tls-peer"]);
    for (let i = 0; i < 20; i++) expect(await withoutCertificate.call.add(i, 1)).toBe(i + 1);
    await sleep(1200);
    expect(await withoutCertificate.call.add(1, 1)).toBe(2);
    expect(withoutCertificate.directLinks).toEqual([]);
    // The mutual-TLS link carries the calls once the controller is gone.
    controller.kill("SIGKILL");
    await eventually(() => gone(withCertificate), 5000, "the caller noticing the controller is gone");
    expect(await withCertificate.call.add(20, 22)).toBe(42);
  }, 40_000);
});

describe("a ticket is worth something only while the controller lists its process with that key", () => {
  it("a process gone from the controller cannot open a link with its old ticket, and loses the one it had", async () => {
    const { connection, target } = await startTarget();
    const folder = connection.options.unixSockPath!;
    // A raw node admitted as "ghost", with its own key: the controller gives it a ticket.
    const key = new SigningKey();
    const ghost = rawLink(`unix:${path.join(folder, ".sock")}`);
    ghost.send([{ kind: Kind.HELLO, name: "ghost", payload: encode({ protocol: PROTOCOL_VERSION, callbacks: [], secret: "g".repeat(24), key: key.publicKey }) }]);
    await eventually(() => ghost.frames.some((frame) => frame.kind === Kind.WELCOME), 5000, "WELCOME");
    const ticket = decode<{ ticket: Uint8Array }>(ghost.frames.find((frame) => frame.kind === Kind.WELCOME)!.payload).ticket;
    const handshake = async () => {
      const link = rawLink(target);
      link.send([{ kind: Kind.HELLO, name: "ghost", payload: encode({ protocol: PROTOCOL_VERSION, ticket, nonce: Buffer.alloc(16, 7) }) }]);
      await eventually(() => link.frames.length > 0, 5000, "the executor's answer to HELLO");
      const welcome = link.frames.shift()!;
      expect(welcome.kind).toBe(Kind.WELCOME);
      const { nonce } = decode<{ nonce: Uint8Array }>(welcome.payload);
      link.send([{ kind: Kind.PROOF, payload: encode({ proof: prove(key, "caller", "ghost", "target", nonce) }) }]);
      await eventually(() => link.frames.length > 0, 5000, "the executor's answer to PROOF");
      return link;
    };
    // Listed: the link is made, and calls are answered on it.
    const live = await handshake();
    expect(live.frames.map((frame) => frame.kind)).toEqual([Kind.PROOF]);
    live.frames.length = 0;
    live.send([{ kind: Kind.CALL, callId: 1, name: "whoami", payload: encode([]) }]);
    await eventually(() => live.frames.some((frame) => frame.kind === Kind.RESULT), 5000, "the answer");
    expect(decode(live.frames.find((frame) => frame.kind === Kind.RESULT)!.payload)).toBe("target");
    // Gone from the controller: the link is cut, and a new one is refused, though the ticket has not expired.
    ghost.close();
    await live.ended;
    const late = await handshake();
    expect(late.frames.map((frame) => frame.kind)).toEqual([Kind.ERROR]);
    expect(decode<{ code: string; message: string }>(late.frames[0]!.payload)).toMatchObject({ code: "PERMISSION_DENIED", message: expect.stringMatching(/does not list process 'ghost'/) });
    for (const link of [live, late]) link.close();
  }, 30_000);
});

describe("a controller restart", () => {
  it("does not cut the direct links: a call in flight on one is answered while the nodes reconnect", async () => {
    const folder = tempSocketFolder();
    const first = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder]);
    await first.waitForLine(/Controller has been started successfully/);
    const peer = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "steady" });
    await peer.waitForLine(/^READY$/);
    await using g = await Global.start({ processName: "steady-caller", unixSockPath: folder, logLevel: "silent" });
    await linked(g, ["steady"]);
    const pending = g.call.slowEcho("through the restart", 4).fg();
    await sleep(100);
    first.kill("SIGKILL");
    await first.exited;
    const second = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder]);
    await second.waitForLine(/Controller has been started successfully/);
    await expect(pending).resolves.toBe("through the restart");
    expect(g.directLinks).toContain("steady");
  }, 30_000);
});

describe("fallback", () => {
  it("a provider whose direct address does not answer is called through the controller at once; the reason is logged once", async () => {
    const { connection } = await startController("unix");
    // A black hole: accepts connections and never says a word.
    const sockets: net.Socket[] = [];
    const hole = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => hole.listen(0, "127.0.0.1", resolve));
    const port = (hole.address() as net.AddressInfo).port;
    // A node (raw, as a hostile or broken one could be) that advertises the black hole as its address and answers through the controller.
    const folder = connection.options.unixSockPath!;
    const node = rawLink(`unix:${path.join(folder, ".sock")}`);
    node.send([{ kind: Kind.HELLO, name: "holed", payload: encode({ protocol: PROTOCOL_VERSION, callbacks: ["holedEcho"], secret: "s".repeat(24), key: new SigningKey().publicKey, direct: `127.0.0.1:${port}` }) }]);
    const answering = setInterval(() => {
      for (const frame of node.frames.splice(0)) {
        if (frame.kind === Kind.CALL) node.send([{ kind: Kind.RESULT, callId: frame.callId, target: frame.source, incarnation: frame.incarnation, payload: encode("through the controller") }]);
      }
    }, 5);
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      lines.push(String(chunk));
      return (write as (...all: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
    try {
      await using g = await Global.start({ processName: "fallback-caller", ...connection.options, logLevel: "info" });
      await g.waitFunction("holedEcho", { timeout: 10 });
      for (let i = 0; i < 30; i++) {
        const started = Date.now();
        expect(await g.call.holedEcho()).toBe("through the controller");
        expect(Date.now() - started).toBeLessThan(900); // never waiting for the link
        await sleep(50);
      }
      const said = lines.filter((line) => /No direct link to 'holed'/.test(line));
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(/no answer within 1 s; its calls go through the controller/);
      expect(g.directLinks).toEqual([]);
    } finally {
      process.stderr.write = write;
      clearInterval(answering);
      node.close();
      for (const socket of sockets) socket.destroy();
      hole.close();
    }
  }, 30_000);
});
