// A child process under test: its output by lines, waits on lines and on exit, and a sure kill at the end.
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";

/** The compiled tree (dist/): tests, fixtures, examples and the CLI all live under it. */
export const DIST = path.join(__dirname, "..", "..");
export const CLI = path.join(DIST, "runtime", "cli", "daffi.js");

const running = new Set<Spawned>();

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface LineWaiter {
  pattern: RegExp;
  resolve(match: RegExpMatchArray): void;
}

export class Spawned {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;
  private readonly waiters = new Set<LineWaiter>();
  private exit?: Exit;

  /** Runs node with `args`; or `command` with `prefix` then `args` (e.g. setpriv, sh). */
  constructor(
    readonly label: string,
    args: string[],
    env: Record<string, string | undefined> = {},
    command = process.execPath,
    prefix: string[] = [],
  ) {
    this.child = spawn(command, [...prefix, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    running.add(this);
    this.collect(this.child.stdout!, this.stdout);
    this.collect(this.child.stderr!, this.stderr);
    this.exited = new Promise((resolve) =>
      // "close", not "exit": it comes after the output pipes are drained, so stdout/stderr are complete.
      this.child.once("close", (code, signal) => {
        running.delete(this);
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
  }

  /** Runs a compiled script of dist/ (e.g. "examples/shopping/shopper.js"); `nodeArgs` go to node before it. */
  static script(relativePath: string, env: Record<string, string | undefined> = {}, args: string[] = [], nodeArgs: string[] = []): Spawned {
    return new Spawned(relativePath, [...nodeArgs, path.join(DIST, relativePath), ...args], env);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the first line (stdout or stderr, past or future) matching; rejects after timeoutMs or on exit. */
  waitForLine(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    for (const line of [...this.stdout, ...this.stderr]) {
      const match = line.match(pattern);
      if (match) return Promise.resolve(match);
    }
    return new Promise((resolve, reject) => {
      const waiter: LineWaiter = { pattern, resolve: (match) => finish(() => resolve(match)) };
      const timer = setTimeout(() => finish(() => reject(new Error(`${this.label}: no line matching ${pattern} within ${timeoutMs}ms\n${this.output()}`))), timeoutMs);
      const onExit = () => finish(() => reject(new Error(`${this.label} exited before a line matched ${pattern}\n${this.output()}`)));
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        this.child.off("close", onExit);
        settle();
      };
      this.waiters.add(waiter);
      this.child.once("close", onExit);
    });
  }

  /** Waits for the exit; kills the process and rejects if it takes longer than timeoutMs. */
  async waitForExit(timeoutMs = 10_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill("SIGKILL");
        reject(new Error(`${this.label} did not exit within ${timeoutMs}ms\n${this.output()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** True when the process has already exited. */
  exitedEarly(): boolean {
    return this.exit !== undefined;
  }

  /** Waits for a clean exit (code 0); otherwise fails with the process's output. */
  async succeeds(timeoutMs = 10_000): Promise<void> {
    const exit = await this.waitForExit(timeoutMs);
    if (exit.code !== 0) throw new Error(`${this.label} exited with ${JSON.stringify(exit)}\n${this.output()}`);
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): void {
    if (!this.exit) this.child.kill(signal);
  }

  output(): string {
    return [`--- ${this.label} stdout`, ...this.stdout, `--- ${this.label} stderr`, ...this.stderr].join("\n");
  }

  private collect(stream: NodeJS.ReadableStream, lines: string[]): void {
    let rest = "";
    stream.on("data", (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split("\n");
      rest = parts.pop() ?? "";
      for (const line of parts) this.addLine(line, lines);
    });
    stream.on("end", () => rest && this.addLine(rest, lines));
  }

  private addLine(line: string, lines: string[]): void {
    lines.push(line);
    for (const waiter of this.waiters) {
      const match = line.match(waiter.pattern);
      if (match) waiter.resolve(match);
    }
  }
}

/** Kills every process a test left running (call from afterAll/afterEach). */
export async function killAll(): Promise<void> {
  const left = [...running];
  for (const child of left) child.kill("SIGKILL");
  await Promise.all(left.map((child) => child.exited));
}
