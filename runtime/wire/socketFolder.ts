// The UNIX socket's folder is what keeps other local users out: private to this user, checked before listening or connecting.
import * as fs from "node:fs";
import * as net from "node:net";
import { ConfigurationError } from "../errors/DaffiError";

/** Mode of a folder daffi creates for its socket, and of the socket file. */
const FOLDER_MODE = 0o700;
const SOCKET_MODE = 0o600;

/** This process's user id; undefined where there is none (Windows), and then nothing is checked. */
function currentUid(): number | undefined {
  return process.getuid?.();
}

/** Root and this user are the only owners to trust: anyone else could swap the socket for their own. */
function trusted(uid: number, me: number): boolean {
  return uid === me || uid === 0;
}

function modeText(mode: number): string {
  return `0${(mode & 0o7777).toString(8)}`;
}

function refuse(what: string, target: string, stats: fs.Stats, problem: string, me: number): never {
  throw new ConfigurationError(
    `the socket ${what} '${target}' is ${problem} (owner uid ${stats.uid}, mode ${modeText(stats.mode)}; this process runs as uid ${me}): ` +
      `another user could take this process's connections. Remove it, or pass unixSockPath to use a folder of your own.`,
  );
}

function statOrUndefined(target: string, follow: boolean): fs.Stats | undefined {
  try {
    return follow ? fs.statSync(target) : fs.lstatSync(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ConfigurationError(`cannot check the socket folder '${target}': ${(error as Error).message}`);
  }
}

/**
 * Throws ConfigurationError unless the folder (when it exists) and the socket in it (when it exists)
 * can only have been put there by this user or root: owned by one of them, and the folder not
 * writable by group or others — except with the sticky bit, where others cannot replace an entry
 * they do not own (then the socket file's own owner is what counts).
 */
export function checkSocketFolder(folder: string, socketPath: string): void {
  const me = currentUid();
  if (me === undefined) return;
  const link = statOrUndefined(folder, false);
  if (!link) return;
  if (link.isSymbolicLink() && !trusted(link.uid, me)) refuse("folder", folder, link, "a symbolic link of another user", me);
  const stats = link.isSymbolicLink() ? statOrUndefined(folder, true) : link;
  if (!stats) return;
  if (!stats.isDirectory()) refuse("folder", folder, stats, "not a folder", me);
  if (!trusted(stats.uid, me)) refuse("folder", folder, stats, "owned by another user", me);
  const sticky = (stats.mode & 0o1000) !== 0;
  if ((stats.mode & 0o022) !== 0 && !sticky) refuse("folder", folder, stats, "writable by other users", me);
  const socket = statOrUndefined(socketPath, false);
  if (socket && !trusted(socket.uid, me)) refuse("file", socketPath, socket, "owned by another user", me);
}

/** Creates the folder private to this user (0700, whatever the umask), checks it, and clears a socket left by a dead controller. */
export async function prepareSocketFolder(folder: string, socketPath: string): Promise<void> {
  const created = fs.mkdirSync(folder, { recursive: true, mode: FOLDER_MODE });
  if (created !== undefined) fs.chmodSync(folder, FOLDER_MODE);
  checkSocketFolder(folder, socketPath);
  if (!fs.existsSync(socketPath)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.connect(socketPath);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
  if (alive) throw new ConfigurationError(`a controller already listens on ${socketPath} (give this one another unixSockPath)`);
  fs.rmSync(socketPath, { force: true });
}

/**
 * Runs `bind` with a umask that keeps the socket file private from the moment it exists, then makes
 * sure it is 0600. (A umask cannot be set in a worker thread: there the chmod alone does it.)
 */
export async function bindPrivately<T>(socketPath: string, bind: () => Promise<T>): Promise<T> {
  let previous: number | undefined;
  try {
    previous = process.umask(0o177);
  } catch {
    previous = undefined;
  }
  try {
    return await bind();
  } finally {
    if (previous !== undefined) process.umask(previous);
    if (fs.existsSync(socketPath)) fs.chmodSync(socketPath, SOCKET_MODE);
  }
}
