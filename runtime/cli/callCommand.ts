// `daffi call NAME [JSON_ARG…]`: one remote call from the command line (daffi's grpcurl), its result as JSON on stdout.
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import type { AsyncResult } from "../call/AsyncResult";
import { type Admit, carryOut } from "../call/carryOut";
import { LongTimeout } from "../call/LongTimeout";
import { BG, BROADCAST, FG, type Modifier } from "../call/modifiers";
import { StreamReader } from "../call/StreamReader";
import { DaffiError, RemoteError, TimeoutError } from "../errors/DaffiError";
import { Global, nodeOf } from "../global/Global";
import { type GlobalOptions, natsOf } from "../global/GlobalOptions";
import type { NatsOptions } from "../nats/NatsOptions";
import { jsonLine } from "./jsonForm";
import { type CommandLine, parseCommandLine, seconds, wholeNumber } from "./parseCommandLine";
import { UsageError } from "./UsageError";

export const callUsage = `usage: daffi call NAME [JSON_ARG…] [--timeout SECONDS] [--bg | --broadcast | --stream] [--process NAME]
                  [--metadata KEY=VALUE]… [--host H] [--port P] [--unix-sock-path DIR] [--token TOKEN]
                  [--ssl-certificate FILE] [--ssl-key FILE] [--ssl-ca FILE] [--ssl-server-name NAME]
                  [--nats URL[,URL] [--nats-user USER --nats-pass PASS | --nats-token TOKEN]]
                  [--process-name NAME] [--connect-timeout SECONDS] [--verbose]

Calls the callback NAME once, each JSON_ARG parsed as JSON (daffi call add 1 2, daffi call greet '"bob"';
arguments starting with '-' go after --: daffi call add -- -1 2), and prints the result as one line of JSON.
--bg: sent as BG, then its result awaited. --broadcast: every provider runs it; { PROCESS: result } is printed.
--stream: a generator callback's items, one line of JSON each (without it they come as one array).
--process: only that process may run it. --timeout: seconds for the answer (for a stream, for all of it).
With neither --host, --port, --unix-sock-path nor --nats: the default UNIX socket, or NATS when $DAFFI_NATS is set.
--token: default $DAFFI_TOKEN. --connect-timeout: default 5. --verbose: daffi's logs on stderr.
A failed call says CODE: message on stderr (exit code 1).`;

const options = {
  timeout: { type: "string" },
  bg: { type: "boolean", default: false },
  broadcast: { type: "boolean", default: false },
  stream: { type: "boolean", default: false },
  process: { type: "string" },
  metadata: { type: "string", multiple: true },
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
  help: { type: "boolean", short: "h", default: false },
} as const;

/** Seconds `daffi call` waits for its controller (or a NATS server) unless --connect-timeout says. */
const CONNECT_TIMEOUT_SECONDS = 5;
/** On NATS a process learns the others from their announcements: a call waits this long for its callback to be heard of. */
const NATS_DISCOVERY_SECONDS = 1;
/** After the Global stopped, the process exits within this long even if something still holds its event loop. */
const EXIT_GRACE_MS = 2000;

type Flags = CommandLine["values"];

/** What to call and how, from the command line. */
interface Request {
  name: string;
  args: unknown[];
  kind: "fg" | "bg" | "broadcast" | "stream";
  /** FG, BG or BROADCAST with its options (a stream is read under FG's metadata). */
  modifier: Modifier;
  metadata?: Record<string, string>;
  timeout?: number;
  process?: string;
}

/** Resolves with the exit code: 0 when the call succeeded, 1 when it failed (said as CODE: message). */
export async function callCommand(argv: string[]): Promise<number> {
  const { values, positionals } = commandLine(argv);
  if (values.help) {
    process.stdout.write(`${callUsage}\n`);
    return 0;
  }
  const request = requestOf(values, positionals);
  watchOutput();
  const globalOptions = globalOptionsOf(values);
  try {
    let g: Global;
    try {
      g = await Global.start(globalOptions);
    } catch (error) {
      return failed(error, values); // a failed start has stopped the Global
    }
    try {
      return await carryOutRequest(g, request, natsOf(globalOptions) !== undefined);
    } catch (error) {
      return failed(error, values);
    } finally {
      await g.stop();
    }
  } finally {
    // Nothing of daffi's is left; should anything else hold the event loop, the process still ends.
    setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
  }
}

/** The flags and positionals; a negative number not after `--` is said to go there. */
function commandLine(argv: string[]): CommandLine {
  try {
    return parseCommandLine("call", argv, options, callUsage);
  } catch (error) {
    const end = argv.indexOf("--");
    const negative = (end < 0 ? argv : argv.slice(0, end)).find((arg) => /^-(\d|\.\d|Infinity)/.test(arg));
    if (error instanceof UsageError && negative !== undefined) {
      throw new UsageError(`daffi call: '${negative}' reads as an option: put the arguments after -- (daffi call NAME -- ${negative})`, callUsage);
    }
    throw error;
  }
}

function requestOf(values: Flags, positionals: string[]): Request {
  const [name, ...texts] = positionals;
  if (name === undefined || name === "") throw new UsageError("daffi call: which callback? (daffi call NAME [JSON_ARG…])", callUsage);
  const args = texts.map((text, i) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new UsageError(`daffi call: argument ${i + 1} is not JSON: ${JSON.stringify(text)} (a string is quoted: '"${text}"')`, callUsage);
    }
  });
  const kinds = (["bg", "broadcast", "stream"] as const).filter((kind) => values[kind] === true);
  if (kinds.length > 1) throw new UsageError(`daffi call: --${kinds[0]} and --${kinds[1]} do not go together (one of --bg, --broadcast, --stream)`, callUsage);
  const kind = kinds[0] ?? "fg";
  const target = values.process as string | undefined;
  if (target !== undefined && kind === "broadcast") throw new UsageError("daffi call: --process and --broadcast do not go together (a broadcast goes to every provider)", callUsage);
  const timeout = seconds("call", "timeout", values.timeout as string | undefined, callUsage);
  const metadata = metadataOf(values.metadata as string[] | undefined);
  let modifier: Modifier;
  try {
    modifier = kind === "bg" ? BG({ timeout, metadata }) : kind === "broadcast" ? BROADCAST({ timeout, metadata, returnResult: true }) : FG({ timeout: kind === "stream" ? undefined : timeout, metadata });
  } catch (error) {
    // The only options not checked already: the metadata's keys and values.
    if (error instanceof DaffiError) throw new UsageError(`daffi call: ${error.message.replace(/^(FG|BG|BROADCAST) metadata/, "--metadata")}`, callUsage);
    throw error;
  }
  return { name, args, kind, modifier, metadata, timeout, process: target };
}

/** `--metadata KEY=VALUE`, each at its first "="; the keys and values are checked with the call's (8 KiB, no "daffi-" keys). */
function metadataOf(pairs: string[] | undefined): Record<string, string> | undefined {
  if (pairs === undefined) return undefined;
  const metadata = new Map<string, string>();
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`daffi call: --metadata takes KEY=VALUE, got ${JSON.stringify(pair)}`, callUsage);
    metadata.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return Object.fromEntries(metadata);
}

const CONTROLLER_FLAGS = ["host", "port", "unix-sock-path", "token", "ssl-certificate", "ssl-key", "ssl-ca", "ssl-server-name"] as const;

function globalOptionsOf(values: Flags): GlobalOptions {
  const text = (flag: string) => values[flag] as string | undefined;
  const nats = natsOptionsOf(values);
  const linkFlag = CONTROLLER_FLAGS.find((flag) => text(flag) !== undefined);
  if (nats && linkFlag) throw new UsageError(`daffi call: --${linkFlag} is a flag of the link to a controller, not of --nats`, callUsage);
  const options: GlobalOptions = {
    processName: text("process-name") ?? `daffi-call-${randomBytes(4).toString("hex")}`,
    connectTimeout: seconds("call", "connect-timeout", text("connect-timeout"), callUsage) ?? CONNECT_TIMEOUT_SECONDS,
    logLevel: values.verbose === true ? undefined : "silent",
  };
  if (nats) return { ...options, nats };
  const link: GlobalOptions = {
    host: text("host"),
    port: wholeNumber("call", "port", text("port"), 1, 65535, callUsage),
    unixSockPath: text("unix-sock-path"),
    sslCertificate: text("ssl-certificate"),
    sslKey: text("ssl-key"),
    sslCa: text("ssl-ca"),
    sslServerName: text("ssl-server-name"),
  };
  if (link.unixSockPath !== undefined && (link.host !== undefined || link.port !== undefined)) {
    throw new UsageError("daffi call: --unix-sock-path or --host/--port, not both", callUsage);
  }
  // $DAFFI_NATS (read by Global) applies when no controller is named: there, the token has no place.
  const onNats = natsOf({ ...link, ...options }) !== undefined;
  // A link that is not asked for stays off: one call needs no direct links (it goes through the controller).
  return { ...options, ...link, token: text("token") ?? (onNats ? undefined : process.env.DAFFI_TOKEN || undefined), direct: onNats ? undefined : false };
}

/** `--nats URL[,URL]` with `--nats-user`/`--nats-pass` or `--nats-token`; undefined without --nats. */
function natsOptionsOf(values: Flags): NatsOptions | undefined {
  const text = (flag: string) => values[flag] as string | undefined;
  const [servers, user, pass, token] = [text("nats"), text("nats-user"), text("nats-pass"), text("nats-token")];
  if (servers === undefined) {
    const loose = ["nats-user", "nats-pass", "nats-token"].find((flag) => text(flag) !== undefined);
    if (loose) throw new UsageError(`daffi call: --${loose} goes with --nats URL`, callUsage);
    return undefined;
  }
  const list = servers.split(",").map((server) => server.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError(`daffi call: --nats takes NATS server URLs, comma-separated, got ${JSON.stringify(servers)}`, callUsage);
  if ((user === undefined) !== (pass === undefined)) throw new UsageError("daffi call: --nats-user and --nats-pass go together", callUsage);
  return { servers: list, ...(user !== undefined ? { user, pass } : {}), ...(token !== undefined ? { token } : {}) };
}

/** Makes the call and prints what it gives; the exit code. */
async function carryOutRequest(g: Global, request: Request, onNats: boolean): Promise<number> {
  const { name, args, kind, modifier, process: target } = request;
  const node = nodeOf(g)!;
  if (onNats) {
    // Right after the start, the others' announcements may still be on their way.
    await (target === undefined ? g.waitFunction(name, { timeout: NATS_DISCOVERY_SECONDS }) : g.waitProcess(target, { timeout: NATS_DISCOVERY_SECONDS })).catch(() => undefined);
  }
  // Pinned: the route a contract check would give, naming the one process that may run it.
  const pin: Admit | undefined = target === undefined ? undefined : () => ({ accept: "", target });
  switch (kind) {
    case "stream":
      return readStream(new StreamReader(node, name, args, undefined, pin, request.metadata), name, request.timeout);
    case "broadcast": {
      const results = (await carryOut(node, name, args, modifier)) as Record<string, unknown>;
      print(results);
      const failures = Object.entries(results).filter((entry): entry is [string, Error] => entry[1] instanceof Error);
      for (const [who, error] of failures) sayOnStderr(error instanceof RemoteError ? said(error) : `${said(error)} (process '${who}')`);
      return failures.length > 0 ? 1 : 0;
    }
    case "bg":
      print(await (carryOut(node, name, args, modifier, undefined, pin) as AsyncResult<unknown>).get());
      return 0;
    case "fg":
      print(await carryOut(node, name, args, modifier, undefined, pin));
      return 0;
  }
}

/** One line of JSON per item; `timeout` bounds the whole stream. A closed stdout (`| head`) ends it, and the remote generator with it. */
async function readStream(reader: StreamReader<unknown>, name: string, timeout: number | undefined): Promise<number> {
  const items = reader[Symbol.asyncIterator]();
  let timedOut = false;
  const stop = () => void items.return?.();
  const timer = timeout === undefined ? undefined : new LongTimeout(() => ((timedOut = true), stop()), timeout * 1000);
  const onOutputClosed = () => stop();
  output.once("closed", onOutputClosed);
  try {
    for (;;) {
      // Stopped by the timeout or a closed stdout, the reader ends (done, or CancelledError): that is what is said.
      const next = await items.next().catch((error: unknown) => {
        if (!timedOut && !output.closed) throw error;
        return { done: true, value: undefined } as const;
      });
      if (timedOut) throw new TimeoutError(`the stream of '${name}' did not end within ${timeout}s`);
      if (next.done || output.closed) return 0;
      print(next.value);
    }
  } finally {
    timer?.clear();
    output.off("closed", onOutputClosed);
  }
}

/** stdout, which the reader may close before the end (`daffi call ticks --stream | head -3`): then nothing more is written. */
const output = Object.assign(new EventEmitter(), { closed: false });

function watchOutput(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    output.closed = true;
    output.emit("closed");
  });
}

function print(value: unknown): void {
  if (!output.closed) process.stdout.write(`${jsonLine(value)}\n`);
}

function sayOnStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** `CODE: message`; a remote error names the class thrown and its process. */
function said(error: Error): string {
  if (!(error instanceof DaffiError)) return `${error.name}: ${error.message}`;
  if (error instanceof RemoteError) return `${error.code}: ${error.remoteName}: ${error.message} (in process '${error.processName}')`;
  return `${error.code}: ${error.message}`;
}

/** A DaffiError is said as CODE: message (exit code 1); anything else goes on to daffi's own handler. */
function failed(error: unknown, values: Flags): number {
  if (!(error instanceof DaffiError)) throw error;
  sayOnStderr(said(error));
  if (values.verbose === true && error instanceof RemoteError && error.remoteStack) sayOnStderr(error.remoteStack);
  return 1;
}
