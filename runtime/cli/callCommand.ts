// `daffi call NAME [JSON_ARG…]`: one remote call from the command line (daffi's grpcurl), its result as JSON on stdout.
import type { AsyncResult } from "../call/AsyncResult";
import { type Admit, carryOut } from "../call/carryOut";
import { LongTimeout } from "../call/LongTimeout";
import { BG, BROADCAST, FG, type Modifier } from "../call/modifiers";
import { StreamReader } from "../call/StreamReader";
import { DaffiError, RemoteError, TimeoutError } from "../errors/DaffiError";
import { type Global, nodeOf } from "../global/Global";
import { connectionHelp, connectionOf, connectionOptions, connectionUsage, NATS_DISCOVERY_SECONDS } from "./connectionFlags";
import { jsonLine } from "./jsonForm";
import { output, watchOutput, write } from "./output";
import { type CommandLine, parseCommandLine, seconds } from "./parseCommandLine";
import { UsageError } from "./UsageError";
import { said, sayOnStderr, withGlobal } from "./withGlobal";

export const callUsage = `usage: daffi call NAME [JSON_ARG…] [--timeout SECONDS] [--bg | --broadcast | --stream] [--process NAME]
                  [--metadata KEY=VALUE]…
                  ${connectionUsage("                  ")}

Calls the callback NAME once, each JSON_ARG parsed as JSON (daffi call add 1 2, daffi call greet '"bob"';
arguments starting with '-' go after --: daffi call add -- -1 2), and prints the result as one line of JSON.
--bg: sent as BG, then its result awaited. --broadcast: every provider runs it; { PROCESS: result } is printed.
--stream: a generator callback's items, one line of JSON each (without it they come as one array).
--process: only that process may run it. --timeout: seconds for the answer (for a stream, for all of it).
${connectionHelp}
A failed call says CODE: message on stderr (exit code 1).`;

const options = {
  timeout: { type: "string" },
  bg: { type: "boolean", default: false },
  broadcast: { type: "boolean", default: false },
  stream: { type: "boolean", default: false },
  process: { type: "string" },
  metadata: { type: "string", multiple: true },
  ...connectionOptions,
  help: { type: "boolean", short: "h", default: false },
} as const;

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
  const connection = connectionOf("call", values, callUsage);
  watchOutput();
  return withGlobal(connection, (g) => carryOutRequest(g, request, connection.onNats));
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

function print(value: unknown): void {
  write(`${jsonLine(value)}\n`);
}
