// How `daffi call` and `daffi inspect` reach a running system: their shared flags (a controller or NATS, TLS, token) and the GlobalOptions those make.
import { randomBytes } from "node:crypto";
import { type GlobalOptions, natsOf } from "../global/GlobalOptions";
import type { NatsOptions } from "../nats/NatsOptions";
import type { CommandLine } from "./parseCommandLine";
import { seconds, wholeNumber } from "./parseCommandLine";
import { UsageError } from "./UsageError";

/** The flags, for node:util's parseArgs (spread into a command's own). */
export const connectionOptions = {
  host: { type: "string" },
  port: { type: "string" },
  "unix-sock-path": { type: "string" },
  token: { type: "string" },
  "ssl-certificate": { type: "string" },
  "ssl-key": { type: "string" },
  "ssl-ca": { type: "string" },
  "ssl-server-name": { type: "string" },
  nats: { type: "string" },
  "nats-user": { type: "string" },
  "nats-pass": { type: "string" },
  "nats-token": { type: "string" },
  "process-name": { type: "string" },
  "connect-timeout": { type: "string" },
  verbose: { type: "boolean", default: false },
} as const;

/** The flags' lines of a command's usage, each after `indent`. */
export function connectionUsage(indent: string): string {
  return [
    "[--host H] [--port P] [--unix-sock-path DIR] [--token TOKEN]",
    "[--ssl-certificate FILE] [--ssl-key FILE] [--ssl-ca FILE] [--ssl-server-name NAME]",
    "[--nats URL[,URL] [--nats-user USER --nats-pass PASS | --nats-token TOKEN]]",
    "[--process-name NAME] [--connect-timeout SECONDS] [--verbose]",
  ].join(`\n${indent}`);
}

/** Seconds a tool waits for its controller (or a NATS server) unless --connect-timeout says. */
const CONNECT_TIMEOUT_SECONDS = 5;

/** What the flags mean, for a command's usage. */
export const connectionHelp = `With neither --host, --port, --unix-sock-path nor --nats: the default UNIX socket, or NATS when $DAFFI_NATS is set.
--token: default $DAFFI_TOKEN. --connect-timeout: default ${CONNECT_TIMEOUT_SECONDS}. --verbose: daffi's logs on stderr.`;

/** On NATS a process learns the others from their announcements: a tool waits this long to hear of them. */
export const NATS_DISCOVERY_SECONDS = 1;

type Flags = CommandLine["values"];

/** A tool's Global, as its flags ask for it. */
export interface Connection {
  options: GlobalOptions;
  /** On NATS (--nats or $DAFFI_NATS) rather than through a controller. */
  onNats: boolean;
  /** --verbose: daffi's logs on stderr, and a remote error's stack. */
  verbose: boolean;
}

const CONTROLLER_FLAGS = ["host", "port", "unix-sock-path", "token", "ssl-certificate", "ssl-key", "ssl-ca", "ssl-server-name"] as const;

/**
 * The Global of `daffi <command>`: a node named `daffi-<command>-<random hex>` unless --process-name,
 * silent unless --verbose, bounded by --connect-timeout, and with no direct links through a
 * controller (what it does goes through the controller: a tool needs no links of its own).
 */
export function connectionOf(command: string, values: Flags, usage: string): Connection {
  const text = (flag: string) => values[flag] as string | undefined;
  const nats = natsOptionsOf(command, values, usage);
  const linkFlag = CONTROLLER_FLAGS.find((flag) => text(flag) !== undefined);
  if (nats && linkFlag) throw new UsageError(`daffi ${command}: --${linkFlag} is a flag of the link to a controller, not of --nats`, usage);
  const verbose = values.verbose === true;
  const options: GlobalOptions = {
    processName: text("process-name") ?? `daffi-${command}-${randomBytes(4).toString("hex")}`,
    connectTimeout: seconds(command, "connect-timeout", text("connect-timeout"), usage) ?? CONNECT_TIMEOUT_SECONDS,
    logLevel: verbose ? undefined : "silent",
  };
  if (nats) return { options: { ...options, nats }, onNats: true, verbose };
  const link: GlobalOptions = {
    host: text("host"),
    port: wholeNumber(command, "port", text("port"), 1, 65535, usage),
    unixSockPath: text("unix-sock-path"),
    sslCertificate: text("ssl-certificate"),
    sslKey: text("ssl-key"),
    sslCa: text("ssl-ca"),
    sslServerName: text("ssl-server-name"),
  };
  if (link.unixSockPath !== undefined && (link.host !== undefined || link.port !== undefined)) {
    throw new UsageError(`daffi ${command}: --unix-sock-path or --host/--port, not both`, usage);
  }
  // $DAFFI_NATS (read by Global) applies when no controller is named: there, the token has no place.
  const onNats = natsOf({ ...link, ...options }) !== undefined;
  const token = text("token") ?? (onNats ? undefined : process.env.DAFFI_TOKEN || undefined);
  return { options: { ...options, ...link, token, direct: onNats ? undefined : false }, onNats, verbose };
}

/** `--nats URL[,URL]` with `--nats-user`/`--nats-pass` or `--nats-token`; undefined without --nats. */
function natsOptionsOf(command: string, values: Flags, usage: string): NatsOptions | undefined {
  const text = (flag: string) => values[flag] as string | undefined;
  const [servers, user, pass, token] = [text("nats"), text("nats-user"), text("nats-pass"), text("nats-token")];
  if (servers === undefined) {
    const loose = ["nats-user", "nats-pass", "nats-token"].find((flag) => text(flag) !== undefined);
    if (loose) throw new UsageError(`daffi ${command}: --${loose} goes with --nats URL`, usage);
    return undefined;
  }
  const list = servers.split(",").map((server) => server.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError(`daffi ${command}: --nats takes NATS server URLs, comma-separated, got ${JSON.stringify(servers)}`, usage);
  if ((user === undefined) !== (pass === undefined)) throw new UsageError(`daffi ${command}: --nats-user and --nats-pass go together`, usage);
  return { servers: list, ...(user !== undefined ? { user, pass } : {}), ...(token !== undefined ? { token } : {}) };
}
