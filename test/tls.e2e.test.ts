// Spec 2.11 SSL certificates: TLS between nodes and controller, and mutual TLS.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import * as fs from "node:fs";
import { Global, TimeoutError } from "../runtime";
import { makeCertificates, type Certificates } from "./helpers/certificates";
import { CLI, killAll, Spawned } from "./helpers/Spawned";

let certs: Certificates;

beforeAll(() => {
  certs = makeCertificates();
});

afterAll(killAll);

const selfSignedPeer = () => ({ DAFFI_SSL_CERTIFICATE: certs.selfSigned.cert, DAFFI_SSL_KEY: certs.selfSigned.key });

/** A TLS controller (the CLI) and a peer node connected to it with `peerTls`; returns the port. */
async function tlsController(args: string[], peerTls: Record<string, string>): Promise<number> {
  const controller = new Spawned("controller", [CLI, "controller", "--host", "127.0.0.1", "--port", "0", ...args]);
  const [, port] = await controller.waitForLine(/port: (\d+) \] \(TLS\)/);
  const peer = Spawned.script("test/fixtures/peer.js", { DAFFI_NAME: "secure-peer", ...peerTls, DAFFI_HOST: "127.0.0.1", DAFFI_PORT: port });
  await peer.waitForLine(/^READY$/);
  return Number(port);
}

describe("TLS with a self-signed certificate (the spec's setup)", () => {
  it("the controller and a node with the same certificate and key talk; a plain node cannot connect", async () => {
    const port = await tlsController(["--ssl-certificate", certs.selfSigned.cert, "--ssl-key", certs.selfSigned.key], selfSignedPeer());
    await using g = await Global.start({ host: "127.0.0.1", port, sslCertificate: certs.selfSigned.cert, sslKey: certs.selfSigned.key, logLevel: "silent", connectTimeout: 10 });
    expect(await g.call.add(2, 3)).toBe(5);
    await expect(Global.start({ host: "127.0.0.1", port, logLevel: "silent", connectTimeout: 1 })).rejects.toBeInstanceOf(TimeoutError);
  });

  it("takes certificates as Buffers, and sslServerName for a certificate made out to another name", async () => {
    const port = await tlsController(["--ssl-certificate", certs.selfSigned.cert, "--ssl-key", certs.selfSigned.key], selfSignedPeer());
    await using g = await Global.start({
      host: "localhost",
      port,
      sslCa: fs.readFileSync(certs.selfSigned.cert),
      sslServerName: "example.com",
      logLevel: "silent",
      connectTimeout: 10,
    });
    expect(await g.call.add(1, 1)).toBe(2);
  });

  it("refuses a controller whose certificate the node does not trust", async () => {
    const port = await tlsController(["--ssl-certificate", certs.server.cert, "--ssl-key", certs.server.key], { DAFFI_SSL_CA: certs.ca.cert });
    await expect(Global.start({ host: "127.0.0.1", port, sslCa: certs.selfSigned.cert, logLevel: "silent", connectTimeout: 1 })).rejects.toThrow(/no controller answered/);
  });
});

describe("mutual TLS", () => {
  it("admits nodes with a client certificate from the CA, refuses the others", async () => {
    const peerTls = { DAFFI_SSL_CERTIFICATE: certs.client.cert, DAFFI_SSL_KEY: certs.client.key, DAFFI_SSL_CA: certs.ca.cert };
    const port = await tlsController(["--ssl-certificate", certs.server.cert, "--ssl-key", certs.server.key, "--ssl-client-ca", certs.ca.cert], peerTls);
    await using g = await Global.start({ host: "127.0.0.1", port, sslCertificate: certs.client.cert, sslKey: certs.client.key, sslCa: certs.ca.cert, logLevel: "silent", connectTimeout: 10 });
    expect(await g.call.add(20, 22)).toBe(42);
    const withoutClientCertificate = Global.start({ host: "127.0.0.1", port, sslCa: certs.ca.cert, logLevel: "silent", connectTimeout: 1 });
    await expect(withoutClientCertificate).rejects.toBeInstanceOf(TimeoutError);
    const stranger = Global.start({ host: "127.0.0.1", port, sslCertificate: certs.stranger.cert, sslKey: certs.stranger.key, sslCa: certs.ca.cert, logLevel: "silent", connectTimeout: 1 });
    await expect(stranger).rejects.toBeInstanceOf(TimeoutError);
    expect(await g.call.add(1, 2)).toBe(3); // the refused ones did not disturb anything
  });
});
