// Where the examples connect. As in the spec: TCP localhost:8888. The tests point them elsewhere
// with DAFFI_HOST / DAFFI_PORT, or DAFFI_UNIX_SOCK_PATH for a UNIX socket (and DAFFI_SSL_* for TLS);
// with DAFFI_NATS (NATS servers, comma-separated; DAFFI_NATS_USER / DAFFI_NATS_PASS to log in) they
// run on NATS instead, with no controller.
import type { GlobalOptions } from "daffi";

type Connection = Pick<GlobalOptions, "host" | "port" | "unixSockPath" | "sslCertificate" | "sslKey" | "sslCa" | "nats">;

export function connection(defaults: { host?: string; port?: number } = { host: "localhost", port: 8888 }): Connection {
  const { DAFFI_HOST, DAFFI_PORT, DAFFI_UNIX_SOCK_PATH, DAFFI_SSL_CERTIFICATE, DAFFI_SSL_KEY, DAFFI_SSL_CA } = process.env;
  const { DAFFI_NATS, DAFFI_NATS_USER, DAFFI_NATS_PASS } = process.env;
  if (DAFFI_NATS) return { nats: { servers: DAFFI_NATS.split(","), ...(DAFFI_NATS_USER ? { user: DAFFI_NATS_USER, pass: DAFFI_NATS_PASS ?? "" } : {}) } };
  const tls: Connection = {};
  if (DAFFI_SSL_CERTIFICATE) tls.sslCertificate = DAFFI_SSL_CERTIFICATE;
  if (DAFFI_SSL_KEY) tls.sslKey = DAFFI_SSL_KEY;
  if (DAFFI_SSL_CA) tls.sslCa = DAFFI_SSL_CA;
  if (DAFFI_UNIX_SOCK_PATH) return { unixSockPath: DAFFI_UNIX_SOCK_PATH, ...tls };
  if (DAFFI_HOST || DAFFI_PORT) return { host: DAFFI_HOST ?? "localhost", port: DAFFI_PORT ? Number(DAFFI_PORT) : undefined, ...tls };
  return { ...defaults, ...tls };
}

export const sleep = (seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000));
