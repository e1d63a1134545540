// Security: identities (token, client certificate), the process names they may claim, what they may serve and call.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  alias,
  args,
  type Args,
  CallbackNotFoundError,
  ConfigurationError,
  Fetcher,
  Global,
  PermissionDeniedError,
  TransferNotAllowedError,
  ValidationError,
} from "../runtime";
import * as grpc from "@grpc/grpc-js";
import { decode, encode } from "../runtime/wire/codec";
import { Kind } from "../runtime/wire/Kind";
import { PROTOCOL_VERSION } from "../runtime/wire/limits";
import { decodeBatch, encodeBatch } from "../runtime/wire/protocol";
import { makeCertificates, type Certificates } from "./helpers/certificates";
import { settled } from "./helpers/settled";
import { CLI, killAll, Spawned } from "./helpers/Spawned";
import { tempSocketFolder } from "./helpers/system";

const TOKENS = { WORKER_TOKEN: "worker-secret-0123456789", WEB_TOKEN: "web-secret-0123456789", OPS_TOKEN: "ops-secret-0123456789" };

const AUTH = {
  identities: {
    worker: {
      token: "env:WORKER_TOKEN",
      processNames: ["worker-*"],
      // The peer fixture also has `fail`, `bytes` and `protoObject`: those are refused.
      serve: ["add*", "echo", "chunks", "tick*", "menu", "whoami", "relay", "sleep_*", "slow*", "endless*", "big*", "bad*", "exact*", "hold", "memory", "chaos"],
      call: [],
    },
    web: { token: "env:WEB_TOKEN", processNames: ["web-*"], serve: [], call: ["add", "tick", "ticksOf", "echo", "svc.*.*.read"] },
    ops: { token: "env:OPS_TOKEN", processNames: ["*"], serve: ["*"], call: ["*"], transfer: true },
  },
};

let folder: string;
let controller: Spawned;
const peers: Spawned[] = [];

async function peer(name: string, token: string, env: Record<string, string> = {}): Promise<Spawned> {
  const node = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: name, DAFFI_TOKEN: token, ...env });
  await node.waitForLine(/^READY$/);
  peers.push(node);
  return node;
}

beforeAll(async () => {
  folder = tempSocketFolder();
  const authFile = path.join(folder, "auth.json");
  fs.writeFileSync(authFile, JSON.stringify(AUTH));
  controller = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder, "--auth", authFile], TOKENS);
  await controller.waitForLine(/Controller has been started successfully.*\(auth\)/);
  await peer("worker-1", TOKENS.WORKER_TOKEN);
  await peer("worker-2", TOKENS.WORKER_TOKEN, { DAFFI_ALLOW_TRANSFER: "1" });
});

afterAll(killAll);

const start = (processName: string, token?: string) => Global.start({ processName, token, unixSockPath: folder, logLevel: "silent", connectTimeout: 5 });

describe("admission at HELLO", () => {
  it("refuses a node without a token, with a wrong token, or claiming a name its identity may not use, with PermissionDeniedError, and it does not retry", async () => {
    const refusalsBefore = controller.stderr.filter((line) => line.includes("Refused a node")).length;
    const without = await settled(start("web-1"));
    expect(without).toBeInstanceOf(PermissionDeniedError);
    expect((without as Error).message).toMatch(/admits only known identities/);
    const wrong = await settled(start("web-1", "not-a-token"));
    expect(wrong).toBeInstanceOf(PermissionDeniedError);
    expect((wrong as Error).message).toMatch(/matches no identity/);
    const name = await settled(start("worker-9", TOKENS.WEB_TOKEN));
    expect(name).toBeInstanceOf(PermissionDeniedError);
    expect((name as Error).message).toBe("identity 'web' may not use the process name 'worker-9'");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // One refusal each: none of them came back.
    expect(controller.stderr.filter((line) => line.includes("Refused a node")).length - refusalsBefore).toBe(3);
    // Tokens are never logged.
    for (const token of Object.values(TOKENS)) expect(controller.stderr.join("\n")).not.toContain(token);
  });

  it("admits a node under its identity; the node in the controller's own process needs no token", async () => {
    await using web = await start("web-1", TOKENS.WEB_TOKEN);
    expect(await web.call.add(1, 2)).toBe(3);
    await controller.waitForLine(/Node 'web-1' has been connected to Controller as identity 'web'/);
    const auth = { identities: { web: { token: TOKENS.WEB_TOKEN, processNames: ["web-*"], serve: [], call: [] } } };
    await using local = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), auth, logLevel: "silent" });
    expect(local.isController).toBe(true);
    await expect(Global.start({ auth, logLevel: "silent" })).rejects.toThrow(ConfigurationError);
  });
});

describe("serve", () => {
  it("registers only the callbacks the identity may serve; the node is told which were refused; the rest works", async () => {
    await using ops = await start("ops-1", TOKENS.OPS_TOKEN);
    await ops.waitFunction("add", { timeout: 5 });
    const registered = ops.registeredCallbacks;
    expect(registered.add).toEqual(expect.arrayContaining(["worker-1", "worker-2"]));
    expect(registered.fail).toBeUndefined();
    expect(registered.bytes).toBeUndefined();
    expect(registered.protoObject).toBeUndefined();
    await expect(ops.call.fail("x")).rejects.toBeInstanceOf(CallbackNotFoundError);
    const worker = peers[0]!;
    await worker.waitForLine(/ERROR: .* \| node\[worker-1\] \| Controller: PermissionDeniedError: identity 'worker' may not serve .*'fail'/);
    await controller.waitForLine(/Node 'worker-1': identity 'worker' may not serve .*'bytes'.*not registered/);
    expect(await ops.call.add(2, 2)).toBe(4);
  });
});

class Whoami extends Fetcher {
  @alias("whoami")
  *feed(...labels: string[]): Generator<Args> {
    for (const label of labels) yield args(label);
  }
}

describe("call", () => {
  it("refuses a callback outside `call` at once under every modifier and stream kind; the connection and the other calls go on", async () => {
    await using web = await start("web-2", TOKENS.WEB_TOKEN);
    await web.waitFunction("whoami", { timeout: 5 });
    const startedAt = Date.now();
    const outcomes = {
      fg: await settled(web.call.whoami().fg({ timeout: 20 })),
      bg: await settled(web.call.whoami().bg({ timeout: 20 }).get()),
      noReturn: await settled(web.call.whoami().noReturn()),
      period: await settled(web.call.whoami().period({ interval: 60 })),
      broadcast: await settled(web.call.menu().broadcast({ returnResult: true, timeout: 20 })),
      broadcastSilent: await settled(web.call.menu().broadcast()),
      streamRead: await settled(
        (async () => {
          for await (const item of web.call.chunks([1, 2])) void item;
        })(),
      ),
      streamWrite: await settled((async () => void (await new Whoami().feed("a", "b")))()),
      transfer: await settled(web.transferAndCall("worker-2", () => process.pid)),
      scheduledTasks: await settled(web.getScheduledTasks("worker-1")),
    };
    for (const [kind, outcome] of Object.entries(outcomes)) {
      expect([kind, outcome]).toEqual([kind, expect.any(PermissionDeniedError)]);
    }
    expect((outcomes.fg as Error).message).toBe("identity 'web' may not call 'whoami' (it may call: add, tick, ticksOf, echo, svc.*.*.read)");
    expect((outcomes.transfer as Error).message).toMatch(/may not use transferAndCall \(it needs transfer: true\)/);
    expect(Date.now() - startedAt).toBeLessThan(5000);
    // Nothing ran: the refused calls never reached a worker.
    expect(await web.call.ticksOf("never")).toBe(0);
    expect(await web.call.add(20, 22)).toBe(42);
    expect(await web.call.echo("still connected")).toBe("still connected");
  });

  it("transferAndCall needs transfer: true, and the target's allowTransfer as well", async () => {
    await using ops = await start("ops-2", TOKENS.OPS_TOKEN);
    await ops.waitProcess("worker-2", { timeout: 5 });
    expect(await ops.transferAndCall("worker-2", (a: number, b: number) => a + b, 2, 3)).toBe(5);
    await expect(ops.transferAndCall("worker-1", () => 1)).rejects.toBeInstanceOf(TransferNotAllowedError);
  });

  it("a worker that may call nothing is refused even a relayed call, inside its callback", async () => {
    await using ops = await start("ops-3", TOKENS.OPS_TOKEN);
    const relayed = await settled(ops.call.relay("add", [1, 2]).fg({ timeout: 5 }));
    expect(relayed).toBeInstanceOf(Error);
    expect((relayed as Error).message).toMatch(/identity 'worker' may not call 'add'/);
  });
});

describe("mutual TLS identities (tlsSubject)", () => {
  let certs: Certificates;
  beforeAll(() => {
    certs = makeCertificates();
  });

  it("proves an identity by the client certificate's subject or SAN; a certificate of no identity is refused at HELLO", async () => {
    const auth = {
      identities: {
        node: { tlsSubject: "CN=daffi node", processNames: ["tls-*"], serve: ["*"], call: ["*"] },
        bySan: { tlsSubject: "DNS:intruder", processNames: ["san-*"], serve: [], call: ["add"] },
      },
    };
    const authFile = path.join(certs.folder, "auth.json");
    fs.writeFileSync(authFile, JSON.stringify(auth));
    const tlsController = new Spawned("controller", [
      CLI,
      "controller",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--ssl-certificate",
      certs.server.cert,
      "--ssl-key",
      certs.server.key,
      "--ssl-client-ca",
      certs.ca.cert,
      "--auth",
      authFile,
    ]);
    const [, port] = await tlsController.waitForLine(/port: (\d+) \] \(TLS\) \(auth\)/);
    const tls = (which: { cert: string; key: string }) => ({ host: "127.0.0.1", port: Number(port), sslCertificate: which.cert, sslKey: which.key, sslCa: certs.ca.cert, logLevel: "silent" as const, connectTimeout: 5 });
    await using node = await Global.start({ processName: "tls-1", ...tls(certs.client) });
    await using bySan = await Global.start({ processName: "san-1", ...tls(certs.intruder) });
    await expect(bySan.call.anything()).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(Global.start({ processName: "tls-2", ...tls(certs.intruder) })).rejects.toThrow(/may not use the process name 'tls-2'/);
    expect(node.processName).toBe("tls-1");
    await tlsController.waitForLine(/Node 'tls-1' has been connected to Controller as identity 'node'/);
  });

  it("refuses a certificate that matches no identity", async () => {
    const auth = { identities: { node: { tlsSubject: "CN=someone else", processNames: ["*"], serve: ["*"], call: ["*"] } } };
    const authFile = path.join(certs.folder, "auth-other.json");
    fs.writeFileSync(authFile, JSON.stringify(auth));
    const args = ["--ssl-certificate", certs.server.cert, "--ssl-key", certs.server.key, "--ssl-client-ca", certs.ca.cert, "--auth", authFile];
    const tlsController = new Spawned("controller", [CLI, "controller", "--host", "127.0.0.1", "--port", "0", ...args]);
    const [, port] = await tlsController.waitForLine(/port: (\d+) \] \(TLS\) \(auth\)/);
    const refused = Global.start({ host: "127.0.0.1", port: Number(port), sslCertificate: certs.client.cert, sslKey: certs.client.key, sslCa: certs.ca.cert, logLevel: "silent", connectTimeout: 5 });
    await expect(refused).rejects.toThrow(/the client certificate matches no identity/);
  });
});

describe("the auth option and file", () => {
  it("refuses a malformed auth at once, and an auth file whose token variable is not set", async () => {
    const unixSockPath = tempSocketFolder();
    const bad = (auth: unknown) => Global.start({ initController: true, unixSockPath, auth: auth as never, logLevel: "silent" });
    await expect(bad({ identities: { a: { processNames: ["*"], serve: [], call: [] } } })).rejects.toThrow(/neither token nor tlsSubject/);
    await expect(bad({ identities: { a: { token: "t", processNames: "*", serve: [], call: [] } } })).rejects.toThrow(/processNames must be a list/);
    await expect(bad({ identities: { a: { token: "t", processNames: ["*"], serve: [], call: [], extra: 1 } } })).rejects.toThrow(/has no field 'extra'/);
    await expect(bad({ identities: {} })).rejects.toThrow(/at least one identity/);
    const file = path.join(unixSockPath, "auth.json");
    fs.writeFileSync(file, JSON.stringify({ identities: { a: { token: "env:DAFFI_TEST_UNSET", processNames: ["*"], serve: [], call: [] } } }));
    const cli = new Spawned("controller", [CLI, "controller", "--unix-sock-path", unixSockPath, "--auth", file]);
    await cli.waitForLine(/takes its token from \$DAFFI_TEST_UNSET, which is not set/);
    expect((await cli.waitForExit()).code).toBe(1);
  });

  it("without auth, a controller on TCP beyond loopback without TLS says once that anyone can call anything", async () => {
    const open = new Spawned("controller", [CLI, "controller", "--host", "0.0.0.0", "--port", "0"]);
    await open.waitForLine(/WARNING: .*Listening on 0\.0\.0\.0 without TLS and without auth: anyone who reaches this port can call every callback/);
    const loopback = new Spawned("controller", [CLI, "controller", "--host", "127.0.0.1", "--port", "0"]);
    await loopback.waitForLine(/Controller has been started/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(loopback.stderr.some((line) => line.startsWith("WARNING"))).toBe(false);
    expect(open.stderr.filter((line) => line.startsWith("WARNING"))).toHaveLength(1);
  });
});

describe("hostile peers of a controller with auth", () => {
  /** A raw gRPC stream on Connect (no daffi node): sends what the test says, collects what comes back. */
  function rawStream(): { stream: grpc.ClientDuplexStream<Buffer, Buffer>; received: Promise<Buffer[]> } {
    const client = new grpc.Client(`unix:${path.join(folder, ".sock")}`, grpc.credentials.createInsecure());
    const stream = client.makeBidiStreamRequest<Buffer, Buffer>("/daffi.Daffi/Connect", (b) => b, (b) => b);
    const frames: Buffer[] = [];
    const received = new Promise<Buffer[]>((resolve) => {
      stream.on("data", (data: Buffer) => frames.push(data));
      stream.on("error", () => resolve(frames));
      stream.on("end", () => resolve(frames));
    });
    stream.on("close", () => client.close());
    return { stream, received };
  }

  it("nothing after a refused HELLO is looked at: a valid HELLO and a call in the same batch are not handled", async () => {
    const { stream, received } = rawStream();
    stream.write(
      encodeBatch({
        frames: [
          { kind: Kind.HELLO, name: "web-8", payload: encode({ protocol: PROTOCOL_VERSION, callbacks: [], token: "guess" }) },
          { kind: Kind.HELLO, name: "web-9", payload: encode({ protocol: PROTOCOL_VERSION, callbacks: [], token: TOKENS.WEB_TOKEN }) },
          { kind: Kind.CALL, callId: 1, name: "tick", payload: encode(["after-refusal"]) },
        ],
      }),
    );
    const answers = (await received).flatMap((bytes) => decodeBatch(bytes));
    expect(answers.map((frame) => [frame.kind, frame.callId])).toEqual([[Kind.ERROR, 0]]);
    await using ops = await start("ops-5", TOKENS.OPS_TOKEN);
    expect(await ops.call.ticksOf("after-refusal")).toBe(0);
    expect(controller.stderr.join("\n")).not.toMatch(/web-9/);
  });

  it("a HELLO of more than 1 MiB is refused before it is decoded", async () => {
    const { stream, received } = rawStream();
    stream.write(encodeBatch({ frames: [{ kind: Kind.HELLO, name: "web-big", payload: encode({ protocol: PROTOCOL_VERSION, callbacks: new Array(600_000).fill("x") }) }] }));
    const [refusal] = (await received).flatMap((bytes) => decodeBatch(bytes));
    expect(decode<{ code: string; message: string }>(refusal!.payload)).toMatchObject({ code: "PROTOCOL", message: "a HELLO of more than 1048576 bytes" });
  });

  it("an overlong callback name is refused at once, without matching it against the patterns; the controller stays responsive", async () => {
    await using web = await start("web-3", TOKENS.WEB_TOKEN);
    const long = `svc.${".".repeat(400_000)}`;
    await expect(web.call[long]!().fg({ timeout: 10 })).rejects.toThrow(/at most 1000 characters/);
    expect(await web.call.add(1, 1)).toBe(2);
  });

  it("an auth file that is not JSON is refused without quoting it (it may hold a token)", async () => {
    const file = path.join(tempSocketFolder(), "auth.json");
    fs.writeFileSync(file, '{ "identities": { "a": { "token": s3cr3t-literal-token-value } } }');
    const cli = new Spawned("controller", [CLI, "controller", "--unix-sock-path", tempSocketFolder(), "--auth", file]);
    await cli.waitForLine(/is not valid JSON/);
    expect(cli.stderr.join("\n")).not.toContain("s3cr3t");
  });
});

describe("log hygiene and values as sent", () => {
  it("a process name with a newline cannot forge a log line: it is shown escaped", async () => {
    const forged = "evil\nERROR: 2026-12-01 00:00:00 | controller[main] | Disk failure";
    await using ops = await start(forged, TOKENS.OPS_TOKEN);
    await controller.waitForLine(/Node 'evil\\nERROR: 2026-12-01 00:00:00 \| controller\[main\] \| Disk failure' has been connected/);
    expect(controller.stderr.some((line) => line.startsWith("ERROR: 2026-12-01 00:00:00"))).toBe(false);
    expect(ops.processName).toBe(forged);
  });

  it("an object with an own __proto__ key is refused at the sender, both ways; prototypes stay clean; a Map's key arrives", async () => {
    await using ops = await start("ops-4", TOKENS.OPS_TOKEN);
    const sent = await settled(ops.call.echo({ nested: [JSON.parse('{"__proto__": {"polluted": true}}')] }));
    expect(sent).toBeInstanceOf(ValidationError);
    expect((sent as ValidationError).path).toBe("$input[0].nested[0].__proto__");
    await ops.call.addAsync(1, 1); // the connection is fine
    expect(await ops.call.echo(new Map([["__proto__", 1]]))).toEqual(new Map([["__proto__", 1]]));
    await peer("ops-peer", TOKENS.OPS_TOKEN); // may serve everything, protoObject too
    await ops.waitFunction("protoObject", { timeout: 5 });
    const answered = await settled(ops.call.protoObject());
    expect(answered).toBeInstanceOf(ValidationError);
    expect((answered as ValidationError).path).toBe("$result.__proto__");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
