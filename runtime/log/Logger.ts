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

export class Logger {
  /** The process name as lines show it (escaped once). */
  private readonly shownName: string;

  constructor(
    private readonly component: "controller" | "node",
    processName: string,
    private readonly level: LogLevel = defaultLogLevel(),
  ) {
    this.shownName = escapeLine(processName);
  }

  debug(message: string): void {
    this.write("debug", message);
  }
  info(message: string): void {
    this.write("info", message);
  }
  warn(message: string): void {
    this.write("warn", message);
  }
  error(message: string): void {
    this.write("error", message);
  }

  private write(level: Exclude<LogLevel, "silent">, message: string): void {
    if (rank[level] < rank[this.level]) return;
    process.stderr.write(`${label[level]}: ${timestamp(new Date())} | ${this.component}[${this.shownName}] | ${escapeLine(message)}\n`);
  }
}
