// `daffi <command> …` run to its end as a process of its own: its exit code, output lines and how long it took.
import { CLI, Spawned } from "./Spawned";

export interface CliOutcome {
  code: number | null;
  /** stdout's lines as written (blank ones included). */
  stdout: string[];
  /** stderr's lines, blank ones left out. */
  stderr: string[];
  /** Milliseconds from start to exit. */
  took: number;
}

export async function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<CliOutcome> {
  const started = Date.now();
  const cli = new Spawned(`daffi ${args[0] ?? ""}`, [CLI, ...args], env);
  const { code } = await cli.waitForExit(timeoutMs);
  return { code, stdout: cli.stdout, stderr: cli.stderr.filter(Boolean), took: Date.now() - started };
}
