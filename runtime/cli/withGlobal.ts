// A CLI tool's own Global (`daffi call`, `daffi inspect`): started, used, stopped; a failure said as `CODE: message`, exit code 1.
import { DaffiError, RemoteError } from "../errors/DaffiError";
import { Global } from "../global/Global";
import { escapeLine } from "../log/Logger";
import type { Connection } from "./connectionFlags";

/** After the Global stopped, the process exits within this long even if something still holds its event loop. */
const EXIT_GRACE_MS = 2000;

/**
 * Starts the Global, runs `work` with it and stops it; resolves with `work`'s exit code. A DaffiError,
 * a failed start's included (that Global is stopped already), is said on stderr: exit code 1.
 */
export async function withGlobal(connection: Connection, work: (g: Global) => Promise<number>): Promise<number> {
  try {
    let g: Global;
    try {
      g = await Global.start(connection.options);
    } catch (error) {
      return failed(error, connection.verbose);
    }
    try {
      return await work(g);
    } catch (error) {
      return failed(error, connection.verbose);
    } finally {
      await g.stop();
    }
  } finally {
    // Nothing of daffi's is left; should anything else hold the event loop, the process still ends.
    setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
  }
}

/**
 * `CODE: message`; a remote error names the class thrown and its process. One line, bounded, its
 * control characters escaped: the text comes from another process (a terminal's escape codes stay text).
 */
export function said(error: Error): string {
  if (!(error instanceof DaffiError)) return escapeLine(`${error.name}: ${error.message}`);
  if (error instanceof RemoteError) return escapeLine(`${error.code}: ${error.remoteName}: ${error.message} (in process '${error.processName}')`);
  return escapeLine(`${error.code}: ${error.message}`);
}

/** Lines of a remote stack shown (--verbose), each escaped. */
const MAX_STACK_LINES = 50;

export function sayOnStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A DaffiError is said as CODE: message (exit code 1); anything else goes on to daffi's own handler. */
function failed(error: unknown, verbose: boolean): number {
  if (!(error instanceof DaffiError)) throw error;
  sayOnStderr(said(error));
  if (verbose && error instanceof RemoteError && error.remoteStack) for (const line of error.remoteStack.split("\n").slice(0, MAX_STACK_LINES)) sayOnStderr(escapeLine(line));
  return 1;
}
