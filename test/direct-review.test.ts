// Findings of the review of direct links (issue 17), each shown first, then fixed. Real controller,
// nodes and sockets, in one process.
import { afterAll, expect, it } from "@jest/globals";
import * as http2 from "node:http2";
import * as net from "node:net";
import * as grpc from "@grpc/grpc-js";
import { Controller } from "../runtime/controller/Controller";
import { DirectLinks } from "../runtime/direct/DirectLinks";
import { listenForLinks, type Listening } from "../runtime/link/grpcServer";
import { grpcClientLink } from "../runtime/link/grpcLink";
import type { Link } from "../runtime/link/Link";
import { Logger } from "../runtime/log/Logger";
import { Node, type NodeSettings } from "../runtime/node/Node";
import type { Address } from "../runtime/wire/address";
import { CallbackRegistry } from "../runtime/registry/CallbackRegistry";
import { decode, encode } from "../runtime/wire/codec";
import type { ReceivedFrame } from "../runtime/wire/Frame";
import { FrameWriter } from "../runtime/wire/FrameWriter";
import { Kind, Mode } from "../runtime/wire/Kind";
import { channelCredentials, serverCredentials } from "../runtime/wire/tls";
import { currentCall } from "../runtime/context/CallContext";
import { PayloadTooLargeError, PermissionDeniedError } from "../runtime/errors/DaffiError";
import { makeCertificates } from "./helpers/certificates";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const stops: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

type Fns = Record<string, (...args: never[]) => unknown>;

/** A node serving `fns` that makes and takes direct links, stopped after the tests. */
async function directNode(address: Address, name: string, fns: Fns, settings: NodeSettings = {}): Promise<Node> {
  const registry = new CallbackRegistry();
  registry.add(Object.entries(fns).map(([callback, fn]) => ({ name: callback, fn: fn as (...args: unknown[]) => unknown, target: undefined, origin: `function ${callback}` })));
  const node = new Node(name, registry, new Logger("node", name, "silent"), { connected() {}, disconnected() {} }, {});
  await node.start(address, { ...settings, direct: { enabled: true } });
  stops.push(() => node.stop(0.2));
  return node;
}

/** Calls `callback(...args)` until `caller` has a direct link to `process` (up to 50 tries). */
async function linkTo(caller: Node, process: string, callback: string, args: unknown[] = []): Promise<void> {
  for (let i = 0; i < 50 && !caller.directLinks.includes(process); i++) {
    await caller.call(callback, args, { mode: Mode.FG, timeout: 5 });
    await sleep(30);
  }
}

// A direct link over TLS cannot be relayed by someone on the path who holds another certificate of
// the same CA: the executor's proof signs the certificate it shows, and the caller compares it with
// the one its TLS handshake saw.
it("a relay showing another CA-signed certificate gets no link: the caller's calls never reach it", async () => {
  const certs = makeCertificates();
  const tlsOf = (pair: { cert: string; key: string }) => ({ sslCertificate: pair.cert, sslKey: pair.key, sslCa: certs.ca.cert });
  const controller = new Controller({ kind: "tcp", host: "127.0.0.1", port: 0 }, "controller", new Logger("controller", "controller", "silent"), { sslCertificate: certs.server.cert, sslKey: certs.server.key }, {});
  await controller.start();
  stops.push(() => controller.stop(100, 100));
  const start = async (name: string, pair: { cert: string; key: string }, fns: Record<string, (...args: never[]) => unknown>) => {
    const registry = new CallbackRegistry();
    registry.add(Object.entries(fns).map(([callback, fn]) => ({ name: callback, fn: fn as (...args: unknown[]) => unknown, target: undefined, origin: `function ${callback}` })));
    const node = new Node(name, registry, new Logger("node", name, "silent"), { connected() {}, disconnected() {} });
    await node.start(controller.address, { direct: { enabled: true }, ...tlsOf(pair) });
    stops.push(() => node.stop(0.2));
    return node;
  };
  const executor = await start("E", certs.server, { price: (x: number) => ({ real: x * 2 }) });
  const caller = await start("C", certs.client, {});
  await sleep(200);

  // The relay: its own TLS server with the intruder's certificate; it passes the caller's HELLO to the
  // executor (which signs the caller's challenge), the WELCOME back, and acknowledges the caller's proof itself.
  const calls: string[] = [];
  const upstreams: Link[] = [];
  const relay: Listening = await listenForLinks(
    { kind: "tcp", host: "127.0.0.1", port: 0 },
    serverCredentials({ sslCertificate: certs.intruder.cert, sslKey: certs.intruder.key, sslClientCa: certs.ca.cert }),
    {},
    (victim) => {
      const toVictim = new FrameWriter(victim);
      victim.on("error", () => undefined);
      victim.on("data", (frames: ReceivedFrame[]) => {
        for (const frame of frames) {
          if (frame.kind === Kind.HELLO) {
            const credentials = channelCredentials(tlsOf(certs.intruder), { checkServerIdentity: () => undefined }).credentials;
            const upstream = grpcClientLink(new grpc.Client((executor as unknown as { direct: { address: string } }).direct.address, credentials));
            upstreams.push(upstream);
            upstream.on("error", () => undefined);
            upstream.on("data", (answers: ReceivedFrame[]) => {
              for (const answer of answers) if (answer.kind === Kind.WELCOME) toVictim.send({ kind: Kind.WELCOME, name: answer.name, payload: answer.payload });
            });
            new FrameWriter(upstream).send({ kind: Kind.HELLO, name: frame.name, payload: frame.payload });
          } else if (frame.kind === Kind.PROOF) {
            toVictim.send({ kind: Kind.PROOF });
          } else if (frame.kind === Kind.CALL) {
            calls.push(JSON.stringify(decode(frame.payload)));
            toVictim.send({ kind: Kind.RESULT, callId: frame.callId, payload: encode({ forged: true }) });
          }
        }
      });
    },
    "node",
  );
  stops.push(async () => {
    for (const upstream of upstreams) upstream.abort();
    relay.server.forceShutdown();
  });
  // On the path: the caller's packets for the executor's address reach the relay (as a route or DNS would send them).
  const view = caller.registry as unknown as { addresses: Map<string, string>; update(snapshot: unknown): void };
  const proxy = `127.0.0.1:${relay.address.kind === "tcp" ? relay.address.port : 0}`;
  view.addresses.set("E", proxy);
  const update = view.update.bind(view);
  view.update = (snapshot) => {
    update(snapshot);
    view.addresses.set("E", proxy);
  };
  for (let i = 0; i < 30; i++) {
    expect(await caller.call("price", [i], { mode: Mode.FG, timeout: 5 })).toEqual({ real: i * 2 });
    await sleep(30);
  }
  expect(caller.directLinks).toEqual([]);
  expect(calls).toEqual([]);
});

// NO_RETURN: nobody waits for it, so the end of the link it came on (its caller stopped, or the link
// idled out) does not abort it, as through the controller.
it("a NO_RETURN call sent on a direct link runs to its end when its caller stops", async () => {
  const controller = new Controller({ kind: "tcp", host: "127.0.0.1", port: 0 }, "controller", new Logger("controller", "controller", "silent"), {}, {});
  await controller.start();
  stops.push(() => controller.stop(100, 100));
  const outcomes: string[] = [];
  const start = async (name: string, fns: Record<string, (...args: never[]) => unknown>) => {
    const registry = new CallbackRegistry();
    registry.add(Object.entries(fns).map(([callback, fn]) => ({ name: callback, fn: fn as (...args: unknown[]) => unknown, target: undefined, origin: `function ${callback}` })));
    const node = new Node(name, registry, new Logger("node", name, "silent"), { connected() {}, disconnected() {} });
    await node.start(controller.address, { direct: { enabled: true } });
    return node;
  };
  const executor = await start("E2", {
    who: () => "E2",
    job: async () => {
      const call = currentCall()!;
      await sleep(800);
      outcomes.push(call.signal.aborted ? `aborted: ${(call.signal.reason as Error).name}` : "ran to the end");
    },
  });
  stops.push(() => executor.stop(0.2));
  const caller = await start("C2", {});
  await linkTo(caller, "E2", "who", []);
  expect(caller.directLinks).toEqual(["E2"]);
  await caller.call("job", [], { mode: Mode.NO_RETURN });
  await sleep(100);
  await caller.stop(1);
  await sleep(1_200);
  expect(outcomes).toEqual(["ran to the end"]);
});

// With the controller away, a call the ready link cannot take now has nowhere to wait: it fails at
// once (PayloadTooLargeError, OverloadedError) instead of waiting for a controller that may not come.
it("with the controller away, a call the direct link cannot take fails at once, typed", async () => {
  const controller = new Controller({ kind: "tcp", host: "127.0.0.1", port: 0 }, "controller", new Logger("controller", "controller", "silent"), {}, {});
  await controller.start();
  const start = async (name: string, fns: Record<string, (...args: never[]) => unknown>, options: { maxMessageSize?: number; maxQueuedBytes?: number }) => {
    const registry = new CallbackRegistry();
    registry.add(Object.entries(fns).map(([callback, fn]) => ({ name: callback, fn: fn as (...args: unknown[]) => unknown, target: undefined, origin: `function ${callback}` })));
    const node = new Node(name, registry, new Logger("node", name, "silent"), { connected() {}, disconnected() {} }, options);
    await node.start(controller.address, { direct: { enabled: true } });
    stops.push(() => node.stop(0.2));
    return node;
  };
  await start("E3", { who: () => "E3", size: (text: string) => text.length }, { maxMessageSize: 256 * 1024 });
  const caller = await start("C3", {}, { maxQueuedBytes: 1024 * 1024 });
  await linkTo(caller, "E3", "who", []);
  await controller.stop(100, 100);
  for (let i = 0; i < 100 && caller.isConnected; i++) await sleep(20);
  expect(caller.isConnected).toBe(false);
  expect(await caller.call("size", ["x"], { mode: Mode.FG, timeout: 3 })).toBe(1);
  const started = Date.now();
  await expect(caller.call("size", ["y".repeat(300_000)], { mode: Mode.FG, timeout: 3 })).rejects.toThrow(PayloadTooLargeError);
  expect(Date.now() - started).toBeLessThan(1_000);
  const burst = await Promise.allSettled(Array.from({ length: 40 }, () => caller.call("size", ["z".repeat(200_000)], { mode: Mode.FG, timeout: 3 })));
  const outcomes = new Set(burst.map((result) => (result.status === "fulfilled" ? "answered" : (result.reason as Error).name)));
  expect([...outcomes].sort()).toEqual(["OverloadedError", "answered"]);
});

// A controller restarted with narrower rules: a direct link made under the earlier one must not keep
// the earlier rules. The caller shows its new ticket on the link (TICKET); the executor, which met a
// new controller, holds a caller's new calls until it does, and cuts the link if it does not.
it("after a controller restart with narrower auth, the executor applies the new rules on existing direct links; a call in flight is answered", async () => {
  const tokens = { worker: "worker-secret-0123456789", web: "web-secret-0123456789" };
  const auth = (webMay: string[]) => ({
    identities: {
      worker: { token: tokens.worker, processNames: ["worker-*"], serve: ["who", "add", "slow"], call: [] },
      web: { token: tokens.web, processNames: ["web-*"], serve: [], call: webMay },
    },
  });
  const log = (name: string) => new Logger("controller", name, "silent");
  const first = new Controller({ kind: "tcp", host: "127.0.0.1", port: 0 }, "controller", log("controller"), {}, { auth: auth(["who", "add", "slow"]) });
  await first.start();
  const address = first.address;
  const start = (name: string, token: string, fns: Fns) => directNode(address, name, fns, { token });
  await start("worker-1", tokens.worker, { who: () => currentCall()?.identity, add: (a: number, b: number) => a + b, slow: async () => (await sleep(1500), "slow done") });
  const honest = await start("web-1", tokens.web, {});
  const hostile = await start("web-2", tokens.web, {});
  for (const caller of [honest, hostile]) {
    await linkTo(caller, "worker-1", "who", []);
    expect(caller.directLinks).toContain("worker-1");
    expect(await caller.call("add", [1, 2], { mode: Mode.FG, timeout: 5 })).toBe(3);
  }
  const inFlight = honest.call("slow", [], { mode: Mode.FG, timeout: 10 });
  await sleep(100);
  await first.stop(100, 100);
  const second = new Controller(address, "controller", log("controller"), {}, { auth: auth(["who", "slow"]) });
  await second.start();
  stops.push(() => second.stop(100, 100));
  // A hostile caller does not show its new ticket on the link.
  (hostile as unknown as { direct: { links: { renewed(): void } } }).direct.links.renewed = () => undefined;
  for (let i = 0; i < 300 && ![honest, hostile].every((node) => node.isConnected); i++) await sleep(20);
  await sleep(300); // the registry that lists everyone again
  // Neither refuses by its own (new) ticket: what the executor does is what counts.
  for (const caller of [honest, hostile]) (caller as unknown as { directRules?: unknown }).directRules = undefined;
  expect(honest.directLinks).toContain("worker-1");
  expect(await inFlight).toBe("slow done");
  // The honest caller's link took its new ticket at once: what it may still call is answered, the rest refused.
  expect(await honest.call("who", [], { mode: Mode.FG, timeout: 5 })).toBe("web");
  await expect(honest.call("add", [1, 2], { mode: Mode.FG, timeout: 5 })).rejects.toThrow(/identity 'web' may not call 'add'/);
  // The hostile one's calls wait for a ticket that never comes; then they are refused and its link is cut.
  const started = Date.now();
  await expect(hostile.call("add", [1, 2], { mode: Mode.FG, timeout: 20 })).rejects.toThrow(PermissionDeniedError);
  expect(Date.now() - started).toBeLessThan(12_000);
  for (let i = 0; i < 50 && hostile.directLinks.includes("worker-1"); i++) await sleep(20);
  expect(hostile.directLinks).not.toContain("worker-1");
}, 40_000);

// One host cannot take every handshake place of a node's direct server (review finding: 64 places,
// anyone who reached the TCP port could keep them all), and one caller cannot hold many links.
it("a host flooding a node's direct port with handshakes that never finish does not keep others' links out", async () => {
  const controller = new Controller({ kind: "tcp", host: "127.0.0.1", port: 0 }, "controller", new Logger("controller", "controller", "silent"), {}, {});
  await controller.start();
  stops.push(() => controller.stop(100, 100));
  const start = (name: string, fns: Fns) => directNode(controller.address, name, fns);
  const executor = await start("E4", { who: () => "E4" });
  const target = (executor as unknown as { direct: { address: string } }).direct.address;
  const [host, port] = [target.slice(0, target.lastIndexOf(":")), Number(target.slice(target.lastIndexOf(":") + 1))];
  // From another loopback address: 5 connections of 13 streams that open Connect and say nothing.
  const sessions = Array.from({ length: 5 }, () => http2.connect(`http://${host}:${port}`, { createConnection: () => net.connect({ host, port, localAddress: "127.0.0.2" }) }));
  for (const session of sessions) {
    session.on("error", () => undefined);
    for (let i = 0; i < 13; i++) {
      const request = session.request({ ":method": "POST", ":path": "/daffi.Daffi/Connect", "content-type": "application/grpc", te: "trailers" });
      request.on("error", () => undefined);
    }
  }
  stops.push(async () => {
    for (const session of sessions) session.destroy();
  });
  await sleep(300);
  const caller = await start("C4", {});
  const started = Date.now();
  while (!caller.directLinks.includes("E4") && Date.now() - started < 1500) {
    await caller.call("who", [], { mode: Mode.FG, timeout: 5 });
    await sleep(30);
  }
  expect(caller.directLinks).toContain("E4");
});

it("one caller holds at most 4 direct links to a node at once: more are refused, its calls still go", async () => {
  const controller = new Controller({ kind: "tcp", host: "127.0.0.1", port: 0 }, "controller", new Logger("controller", "controller", "silent"), {}, {});
  await controller.start();
  stops.push(() => controller.stop(100, 100));
  const start = (name: string, fns: Fns) => directNode(controller.address, name, fns);
  const executor = await start("E5", { who: () => "E5" });
  const caller = await start("C5", {});
  await linkTo(caller, "E5", "who", []);
  // The same caller (its key, its ticket) opens more links of its own, as a hostile program could.
  const links = (caller as unknown as { direct: { links: { caller: unknown; settings: unknown } } }).direct.links;
  const address = (executor as unknown as { direct: { address: string } }).direct.address;
  const more = Array.from({ length: 6 }, () => new DirectLinks(links.caller as never, links.settings as never, new Logger("node", "C5", "silent")));
  for (const extra of more) extra.ready("E5", address, 10);
  await sleep(1500);
  const ready = more.filter((extra) => extra.readyProcesses().includes("E5")).length;
  expect(ready).toBe(3); // with the first one: 4
  expect(await caller.call("who", [], { mode: Mode.FG, timeout: 5 })).toBe("E5");
  for (const extra of more) await extra.stop(Date.now() + 100);
});

// A stale link (after a controller restart) holds calls until its caller shows a fresh ticket: what
// it holds counts all of each call, and a call the executor would refuse anyway is not held.
it("a stale link does not hold calls with oversized metadata, and counts what it holds in full", async () => {
  const log = (name: string) => new Logger("controller", name, "silent");
  const first = new Controller({ kind: "tcp", host: "127.0.0.1", port: 0 }, "controller", log("controller"), {}, {});
  await first.start();
  const address = first.address;
  const start = (name: string, fns: Fns) => directNode(address, name, fns);
  const worker = await start("worker-6", { add: (a: number, b: number) => a + b });
  const hostile = await start("web-6", {});
  await linkTo(hostile, "worker-6", "add", [1, 1]);
  await first.stop(100, 100);
  const second = new Controller(address, "controller", log("controller"), {}, {});
  await second.start();
  stops.push(() => second.stop(100, 100));
  // It never shows its new ticket: its link stays stale.
  (hostile as unknown as { direct: { links: { renewed(): void } } }).direct.links.renewed = () => undefined;
  for (let i = 0; i < 300 && ![worker, hostile].every((node) => node.isConnected); i++) await sleep(20);
  await sleep(300);
  type Peer = { process: string; writer: { send(frame: unknown): void } };
  type Inbound = { ready: boolean; stale?: unknown; held: unknown[]; heldBytes: number };
  const peer = [...(hostile as unknown as { direct: { links: { peers: Map<string, Peer> } } }).direct.links.peers.values()].find((each) => each.process === "worker-6")!;
  const inbound = [...(worker as unknown as { direct: { server: { links: Map<number, Inbound> } } }).direct.server.links.values()].find((each) => each.ready)!;
  expect(inbound.stale).toBeDefined();
  const big = "x".repeat(1024 * 1024);
  for (let i = 0; i < 20; i++) peer.writer.send({ kind: Kind.CALL, callId: 900_000 + i, name: "add", mode: Mode.FG, payload: encode([1, 2]), metadata: { k: big } });
  const small = "y".repeat(4000);
  for (let i = 0; i < 5; i++) peer.writer.send({ kind: Kind.CALL, callId: 910_000 + i, name: "add", mode: Mode.FG, payload: encode([1, 2]), metadata: { k: small } });
  await sleep(500);
  expect(inbound.held).toHaveLength(5);
  expect(inbound.heldBytes).toBeGreaterThan(5 * 4000);
}, 30_000);

// A controller restarted with direct links off vouches for no link made before: callers stop using
// theirs (new calls go through the controller, each link ends once its calls are answered), and an
// executor holds then refuses what a caller still sends on one.
it("after a restart with direct links off, links made before are given up; what a caller still sends on one is sent back, never run", async () => {
  const log = (name: string) => new Logger("controller", name, "silent");
  const first = new Controller({ kind: "tcp", host: "127.0.0.1", port: 0 }, "controller", log("controller"), {}, {});
  await first.start();
  const address = first.address;
  const start = (name: string, fns: Fns) => directNode(address, name, fns);
  let ran = 0;
  const worker = await start("worker-7", { via: () => (ran++, currentCall()?.caller), slow: async () => (await sleep(800), "slow done") });
  const honest = await start("web-7", {});
  const hostile = await start("web-8", {});
  for (const caller of [honest, hostile]) {
    await linkTo(caller, "worker-7", "via", []);
    expect(caller.directLinks).toContain("worker-7");
  }
  const inFlight = honest.call("slow", [], { mode: Mode.FG, timeout: 10 });
  await sleep(100);
  await first.stop(100, 100);
  const second = new Controller(address, "controller", log("controller"), {}, { direct: false });
  await second.start();
  stops.push(() => second.stop(100, 100));
  // The hostile caller keeps its link as it was.
  (hostile as unknown as { direct: { links: { drain(): void } } }).direct.links.drain = () => undefined;
  for (let i = 0; i < 300 && ![worker, honest, hostile].every((node) => node.isConnected); i++) await sleep(20);
  await sleep(300);
  expect(await inFlight).toBe("slow done");
  expect(honest.directLinks).toEqual([]);
  expect(await honest.call("via", [], { mode: Mode.FG, timeout: 5 })).toBe("web-7");
  // What it still sends on its link is sent back at once, never run: it is to go through the controller.
  type Peer = { process: string; writer: { send(frame: unknown): void } };
  type Inbound = { ready: boolean; noTickets: boolean; held: unknown[]; caller?: { process: string } };
  const peer = [...(hostile as unknown as { direct: { links: { peers: Map<string, Peer> } } }).direct.links.peers.values()].find((each) => each.process === "worker-7")!;
  const before = ran;
  peer.writer.send({ kind: Kind.CALL, callId: 990_001, name: "via", mode: Mode.FG, payload: encode([]) });
  await sleep(300);
  const inbound = [...(worker as unknown as { direct: { server: { links: Map<number, Inbound> } } }).direct.server.links.values()].find((each) => each.caller?.process === "web-8")!;
  expect(inbound.noTickets).toBe(true);
  expect(inbound.held).toHaveLength(0);
  expect(ran).toBe(before);
}, 40_000);

// The same restart, the caller reconnecting later than the executor (as backoffs do): a call it sends
// on its link meanwhile is sent back by the executor and goes through the controller — not held, not refused.
it("after a restart with direct links off, a call sent on a link before its caller reconnected is answered through the controller", async () => {
  const log = (name: string) => new Logger("controller", name, "silent");
  const first = new Controller({ kind: "tcp", host: "127.0.0.1", port: 0 }, "controller", log("controller"), {}, {});
  await first.start();
  const address = first.address;
  const start = (name: string, fns: Fns) => directNode(address, name, fns);
  const worker = await start("worker-9", { ping: () => "pong" });
  const caller = await start("caller-9", {});
  await linkTo(caller, "worker-9", "ping", []);
  expect(caller.directLinks).toContain("worker-9");
  const reconnect = caller as unknown as { connectStream(): void };
  const connect = reconnect.connectStream.bind(caller);
  reconnect.connectStream = () => void setTimeout(connect, 1500);
  await first.stop(100, 100);
  const second = new Controller(address, "controller", log("controller"), {}, { direct: false });
  await second.start();
  stops.push(() => second.stop(100, 100));
  for (let i = 0; i < 300 && !worker.isConnected; i++) await sleep(20);
  expect(caller.isConnected).toBe(false);
  const started = Date.now();
  expect(await caller.call("ping", [], { mode: Mode.FG, timeout: 30 })).toBe("pong");
  expect(Date.now() - started).toBeLessThan(8000);
}, 40_000);
