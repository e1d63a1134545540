// Generates certificates with openssl for the TLS tests: a self-signed pair, and a CA with server and client certificates.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface Certificates {
  folder: string;
  /** Self-signed, as the spec's script makes it (CN example.com), plus localhost and 127.0.0.1. */
  selfSigned: { cert: string; key: string };
  ca: { cert: string; key: string };
  server: { cert: string; key: string };
  client: { cert: string; key: string };
  /** A client certificate the CA signed, for another subject (CN intruder). */
  intruder: { cert: string; key: string };
  /** A client certificate that the CA did not sign. */
  stranger: { cert: string; key: string };
}

function openssl(folder: string, ...args: string[]): void {
  execFileSync("openssl", args, { cwd: folder, stdio: "ignore" });
}

function selfSigned(folder: string, name: string, subject: string, san: string): { cert: string; key: string } {
  openssl(folder, "req", "-x509", "-newkey", "rsa:2048", "-sha256", "-days", "1", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.pem`, "-subj", subject, "-addext", `subjectAltName=${san}`);
  return { cert: path.join(folder, `${name}.pem`), key: path.join(folder, `${name}.key`) };
}

function signed(folder: string, name: string, subject: string, san: string): { cert: string; key: string } {
  openssl(folder, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject);
  fs.writeFileSync(path.join(folder, `${name}.ext`), `subjectAltName=${san}\n`);
  openssl(folder, "x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-sha256", "-extfile", `${name}.ext`, "-out", `${name}.pem`);
  return { cert: path.join(folder, `${name}.pem`), key: path.join(folder, `${name}.key`) };
}

export function makeCertificates(): Certificates {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "daffi-tls-"));
  const ca = selfSigned(folder, "ca", "/CN=daffi test CA", "DNS:daffi-test-ca");
  return {
    folder,
    selfSigned: selfSigned(folder, "self", "/CN=example.com", "DNS:example.com,DNS:localhost,IP:127.0.0.1,IP:::1"),
    ca,
    server: signed(folder, "server", "/CN=localhost", "DNS:localhost,IP:127.0.0.1"),
    client: signed(folder, "client", "/CN=daffi node", "DNS:daffi-node"),
    intruder: signed(folder, "intruder", "/CN=intruder", "DNS:intruder"),
    stranger: selfSigned(folder, "stranger", "/CN=stranger", "DNS:stranger"),
  };
}
