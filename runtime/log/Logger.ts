// Log lines in the spec's format: `INFO: 2023-06-18 22:40:34 | node[0x24d2ab36] | message`.

/** How much daffi logs (`logLevel`, or `DAFFI_LOG_LEVEL`): `"info"` by default, `"silent"` for nothing. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const label: Record<Exclude<LogLevel, "silent">, string> = { debug: "DEBUG", info: "INFO", warn: "WARNING", error: "ERROR" };

/** The level used when none is given: $DAFFI_LOG_LEVEL, else "info". */
export function defaultLogLevel(): LogLevel {
  const fromEnv = process.env.DAFFI_LOG_LEVEL?.toLowerCase();
  return fromEnv && fromEnv in rank ? (fromEnv as LogLevel) : "info";
}

function timestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** Longest line written: whatever a peer sends, a log line stays bounded. */
const MAX_LINE = 4096;

const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * One line, always: control characters (which could forge a line, or a terminal's colours) and
 * bidirectional overrides (which could make a line read as another) are
 * shown escaped, as `\n` or `\u001b`, and an overlong message is cut.
 */
export function escapeLine(message: string): string {
  const escaped = message.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, (char) => named[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return escaped.length <= MAX_LINE ? escaped : `${escaped.slice(0, MAX_LINE)}…(cut)`;
}

/** `logFormat`: the spec's text lines (default), or one JSON object per line for log shippers. */
export type LogFormat = "text" | "json";

/** Structured fields of a log record (`callback`, `caller`, `code`, …): in JSON lines, and passed to a user's `logger`. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * A logger of the program's own (`logger` option): console, winston, pino, … Each method is called with
 * the message and the record's fields (`component`, `process`, and structured ones such as `callback`).
 */
export interface LogSink {
  debug(message: string, fields: LogFields): unknown;
  info(message: string, fields: LogFields): unknown;
  warn(message: string, fields: LogFields): unknown;
  error(message: string, fields: LogFields): unknown;
}

/** Where a Logger's records go: stderr in a format, or a user's logger. */
export interface LogOutput {
  format?: LogFormat | undefined;
  sink?: LogSink | undefined;
}

/** The format used when none is given: $DAFFI_LOG_FORMAT ("json"), else "text". */
export function defaultLogFormat(): LogFormat {
  return process.env.DAFFI_LOG_FORMAT?.trim().toLowerCase() === "json" ? "json" : "text";
}

/** A field's value as a record carries it: strings escaped and bounded like messages. */
function fieldValue(value: string | number | boolean): string | number | boolean {
  return typeof value === "string" ? escapeLine(value) : value;
}

export class Logger {
  /** The process name as lines show it (escaped once). */
  private readonly shownName: string;
  private readonly format: LogFormat;
  private readonly sink: LogSink | undefined;

  constructor(
    private readonly component: "controller" | "node",
    processName: string,
    private readonly level: LogLevel = defaultLogLevel(),
    output: LogOutput = {},
  ) {
    this.shownName = escapeLine(processName);
    this.format = output.format ?? defaultLogFormat();
    this.sink = output.sink;
  }

  /** Whether a record of that level is written (to skip building an expensive message). */
  enabled(level: Exclude<LogLevel, "silent">): boolean {
    return rank[level] >= rank[this.level];
  }

  debug(message: string, fields?: LogFields): void {
    this.write("debug", message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.write("info", message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.write("warn", message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.write("error", message, fields);
  }

  private write(level: Exclude<LogLevel, "silent">, message: string, fields: LogFields | undefined): void {
    if (rank[level] < rank[this.level]) return;
    if (this.sink) return this.toSink(level, message, fields);
    if (this.format === "json") {
      process.stderr.write(`${JSON.stringify(this.record(level, message, fields, new Date().toISOString()))}\n`);
      return;
    }
    process.stderr.write(`${label[level]}: ${timestamp(new Date())} | ${this.component}[${this.shownName}] | ${escapeLine(message)}\n`);
  }

  /** A record: time (when written to stderr), level, component, process, message, then the fields (which cannot replace those). */
  private record(level: Exclude<LogLevel, "silent">, message: string, fields: LogFields | undefined, time?: string): Record<string, string | number | boolean> {
    const record: Record<string, string | number | boolean> = time === undefined ? {} : { time };
    Object.assign(record, { level, component: this.component, process: this.shownName, message: escapeLine(message) });
    if (fields) {
      for (const key of Object.keys(fields)) {
        const value = fields[key];
        if (value !== undefined && !Object.hasOwn(record, key)) record[key] = fieldValue(value);
      }
    }
    return record;
  }

  /** A user's logger: called with the message and the fields; a logger that throws (or rejects) does not break the call that logged. */
  private toSink(level: Exclude<LogLevel, "silent">, message: string, fields: LogFields | undefined): void {
    const { message: text, ...rest } = this.record(level, message, fields);
    delete rest.level;
    try {
      const result: unknown = this.sink![level](text as string, rest);
      // An async logger's rejection is handled too: it must not become an unhandled rejection that ends the process.
      if (typeof (result as PromiseLike<unknown> | null)?.then === "function") (result as Promise<unknown>).then(undefined, () => undefined);
    } catch {
      // The program's logger failed: nothing daffi can log it to.
    }
  }
}

/** Checks the `logger` option: an object with debug, info, warn and error functions. */
export function isLogSink(value: unknown): value is LogSink {
  if (typeof value !== "object" || value === null) return false;
  const sink = value as Record<string, unknown>;
  return ["debug", "info", "warn", "error"].every((method) => typeof sink[method] === "function");
}
