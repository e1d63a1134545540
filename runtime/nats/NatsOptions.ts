// `Global.start({ nats })`: daffi on a NATS cluster instead of a controller (README: Scaling out: daffi on NATS).
import { ConfigurationError } from "../errors/DaffiError";
import { passed } from "../errors/passed";
import { NAMESPACE } from "./subjects";

/** TLS to the NATS servers, as NATS's client takes it: files, or PEM text. */
export interface NatsTlsOptions {
  /** The CA that signed the servers' certificates (a file). */
  caFile?: string | undefined;
  /** This process's client certificate, when the servers ask for one (a file). */
  certFile?: string | undefined;
  /** The key of `certFile` (a file). */
  keyFile?: string | undefined;
  /** `caFile` as PEM text. */
  ca?: string | undefined;
  /** `certFile` as PEM text. */
  cert?: string | undefined;
  /** `keyFile` as PEM text. */
  key?: string | undefined;
}

/** `Global.start({ nats })`: the NATS servers that carry the calls in place of a controller (README: Scaling out: daffi on NATS). */
export interface NatsOptions {
  /** NATS servers to connect to ("nats://127.0.0.1:4222", "127.0.0.1:4222"); the client finds the rest of a cluster by itself. */
  servers: string[];
  /** NATS authentication by token. Never logged. */
  token?: string | undefined;
  /** NATS authentication by user and password (with `pass`). */
  user?: string | undefined;
  /** The password of `user`. Never logged. */
  pass?: string | undefined;
  /** TLS to the servers. */
  tls?: NatsTlsOptions | undefined;
  /** Subjects start with it (default "daffi"): several daffi systems share one cluster under different namespaces. */
  namespace?: string | undefined;
}

const KEYS = new Set(["servers", "token", "user", "pass", "tls", "namespace"]);
const TLS_KEYS = new Set(["caFile", "certFile", "keyFile", "ca", "cert", "key"]);

/** `nats` as given, checked; or from $DAFFI_NATS (servers, comma-separated) when not given. */
export function natsOptions(given: unknown): NatsOptions | undefined {
  if (given === undefined) {
    const env = process.env.DAFFI_NATS?.trim();
    return env ? { servers: serverList(env) } : undefined;
  }
  if (typeof given !== "object" || given === null || Array.isArray(given)) throw new ConfigurationError(`nats must be an object ({ servers: [...] }), got ${passed(given)}`);
  const options = given as Record<string, unknown>;
  const unknown = Object.keys(options).find((key) => !KEYS.has(key));
  if (unknown !== undefined) throw new ConfigurationError(`nats: unknown option '${unknown}' (servers, token, user, pass, tls, namespace)`);
  const servers = typeof options.servers === "string" ? serverList(options.servers) : options.servers;
  if (!Array.isArray(servers) || servers.length === 0 || !servers.every((server) => typeof server === "string" && server.trim() !== "")) {
    throw new ConfigurationError(`nats.servers must be a non-empty list of server URLs ("nats://127.0.0.1:4222"), got ${passed(options.servers)}`);
  }
  for (const key of ["token", "user", "pass"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "string") throw new ConfigurationError(`nats.${key} must be a string`);
  }
  if ((options.user === undefined) !== (options.pass === undefined)) throw new ConfigurationError("nats: user and pass go together");
  const { namespace, tls } = options;
  if (namespace !== undefined && (typeof namespace !== "string" || namespace.length > 128 || !NAMESPACE.test(namespace))) {
    throw new ConfigurationError(`nats.namespace must be subject tokens of letters, digits, '_' and '-' joined by dots, at most 128 characters, got ${passed(namespace)}`);
  }
  if (tls !== undefined) {
    if (typeof tls !== "object" || tls === null || Array.isArray(tls)) throw new ConfigurationError(`nats.tls must be an object, got ${passed(tls)}`);
    const bad = Object.entries(tls).find(([key, value]) => !TLS_KEYS.has(key) || (value !== undefined && typeof value !== "string"));
    if (bad) throw new ConfigurationError(`nats.tls: '${bad[0]}' is not an option of strings (caFile, certFile, keyFile, ca, cert, key)`);
  }
  return { ...(options as unknown as NatsOptions), servers: servers.map((server: string) => server.trim()) };
}

function serverList(text: string): string[] {
  return text
    .split(",")
    .map((server) => server.trim())
    .filter(Boolean);
}
