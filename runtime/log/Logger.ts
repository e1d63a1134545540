// Log lines in the spec's format: `INFO: 2023-06-18 22:40:34 | node[0x24d2ab36] | message`.

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

export class Logger {
  constructor(
    private readonly component: "controller" | "node",
    private readonly processName: string,
    private readonly level: LogLevel = defaultLogLevel(),
  ) {}

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
    process.stderr.write(`${label[level]}: ${timestamp(new Date())} | ${this.component}[${this.processName}] | ${message}\n`);
  }
}
