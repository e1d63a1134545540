// The UNIX socket's folder is what keeps other local users out: private to this user, checked before listening or connecting.
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
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
 * One folder of the path: a symbolic link only of a trusted owner, a folder of a trusted owner,
 * not writable by group or others unless sticky (where others cannot rename or remove what they do not own).
 * Returns whether it is sticky and open to others; undefined when it does not exist.
 */
function checkFolder(folder: string, me: number, what: string): { shared: boolean } | undefined {
  const link = statOrUndefined(folder, false);
  if (!link) return undefined;
  if (link.isSymbolicLink() && !trusted(link.uid, me)) refuse(what, folder, link, "a symbolic link of another user", me);
  const stats = link.isSymbolicLink() ? statOrUndefined(folder, true) : link;
  if (!stats) return undefined;
  if (!stats.isDirectory()) refuse(what, folder, stats, "not a folder", me);
  if (!trusted(stats.uid, me)) refuse(what, folder, stats, "owned by another user", me);
  const open = (stats.mode & 0o022) !== 0;
  if (open && (stats.mode & 0o1000) === 0) refuse(what, folder, stats, "writable by other users", me);
  return { shared: open };
}

/** The folders above `folder`, nearest first. */
function ancestors(folder: string): string[] {
  const chain: string[] = [];
  for (let at = path.dirname(path.resolve(folder)); ; at = path.dirname(at)) {
    chain.push(at);
    if (path.dirname(at) === at) return chain;
  }
}

/**
 * Throws ConfigurationError unless nobody but this user or root could have put the socket there:
 * the folder and every folder above it owned by one of them and not writable by others (sticky
 * ones excepted, as /tmp), and the socket (when there) owned by one of them too. Returns whether
 * the socket file exists.
 */
export function checkSocketFolder(folder: string, socketPath: string): boolean {
  const me = currentUid();
  if (me === undefined) return fs.existsSync(socketPath);
  const own = checkFolder(folder, me, "folder");
  for (const above of ancestors(folder)) checkFolder(above, me, "folder's parent");
  if (!own) return false;
  const socket = statOrUndefined(socketPath, false);
  if (!socket) return false;
  if (!trusted(socket.uid, me)) refuse("file", socketPath, socket, "owned by another user", me);
  if (!socket.isSocket()) refuse("file", socketPath, socket, "not a socket", me);
  return true;
}

/**
 * A node connects only to a socket that exists and passed the checks: a folder or socket that is
 * not there yet could be made by someone else between the check and the connection, so it counts
 * as "no controller yet" (the node retries).
 */
export function checkSocketToConnect(folder: string, socketPath: string): void {
  if (!checkSocketFolder(folder, socketPath)) throw new Error(`no controller listens on ${socketPath} yet`);
}

/**
 * mkdir -p, one folder at a time: Node's recursive mkdirSync never returns under /proc (it retries
 * ENOENT forever). The folder when this call made it (its parents too, as needed), else undefined.
 */
function makeFolders(folder: string): string | undefined {
  const missing: string[] = [];
  for (let current = path.resolve(folder); !fs.existsSync(current); current = path.dirname(current)) {
    missing.unshift(current);
    if (path.dirname(current) === current) break;
  }
  if (missing.length === 0 && !fs.statSync(folder).isDirectory()) throw Object.assign(new Error(`${folder} is a file`), { code: "EEXIST" });
  let created: string | undefined;
  for (const next of missing) {
    try {
      fs.mkdirSync(next, { mode: FOLDER_MODE });
      created = next;
    } catch (error) {
      // Made by someone else meanwhile: not ours (it is not chmodded; the checks that follow judge it).
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || !fs.statSync(next).isDirectory()) throw error;
    }
  }
  return created === path.resolve(folder) ? created : undefined;
}

/** Creates the folder private to this user (0700, whatever the umask), checks it, and clears a socket left by a dead controller. */
export async function prepareSocketFolder(folder: string, socketPath: string): Promise<void> {
  let created: string | undefined;
  try {
    created = makeFolders(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "EEXIST" || code === "ENOTDIR" ? "it, or a folder on its path, is a file" : code === "EACCES" ? "this user may not create it" : (error as Error).message;
    throw new ConfigurationError(`unixSockPath '${folder}' cannot be the socket's folder: ${why}`);
  }
  // Only a folder this call made, and never through a symbolic link put in its place since.
  if (created !== undefined && !fs.lstatSync(folder).isDirectory()) created = undefined;
  if (created !== undefined) fs.chmodSync(folder, FOLDER_MODE);
  if (!checkSocketFolder(folder, socketPath)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.connect(socketPath);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    // Refused: nobody listens (a socket left by a dead controller). Not allowed to connect: someone's, and maybe alive.
    probe.once("error", (error: NodeJS.ErrnoException) => resolve(error.code !== "ECONNREFUSED" && error.code !== "ENOENT"));
  });
  if (alive) throw new ConfigurationError(`a controller already listens on ${socketPath} (give this one another unixSockPath)`);
  // Only our own leftover is removed: a socket of another user (root) is never unlinked.
  const me = currentUid();
  const left = statOrUndefined(socketPath, false);
  if (!left) return; // gone meanwhile (an old controller finished its stop): nothing to remove
  const owner = left.uid;
  if (me !== undefined && owner !== me) {
    throw new ConfigurationError(`${socketPath} belongs to ${userName(owner)} (uid ${owner}), not this user: it is not removed (give this controller another unixSockPath)`);
  }
  fs.rmSync(socketPath, { force: true });
}

/** The login name of a uid, from /etc/passwd when it can be read; else "another user". */
function userName(uid: number): string {
  try {
    const line = fs.readFileSync("/etc/passwd", "utf8").split("\n").find((entry) => entry.split(":")[2] === String(uid));
    return line ? `user '${line.split(":")[0]}'` : "another user";
  } catch {
    return "another user";
  }
}

/**
 * Runs `bind`, then makes the socket file 0600. Where the folder lets others in, a private umask
 * covers the moment between the bind and the chmod. (A umask cannot be set in a worker thread.)
 */
export async function bindPrivately<T>(folder: string, socketPath: string, bind: () => Promise<T>): Promise<T> {
  let previous: number | undefined;
  if ((fs.statSync(folder).mode & 0o077) !== 0) {
    try {
      previous = process.umask(0o177);
    } catch {
      previous = undefined;
    }
  }
  let bound: T;
  try {
    bound = await bind();
  } finally {
    if (previous !== undefined) process.umask(previous);
  }
  // Only our own socket, never through a link someone put in its place.
  const socket = fs.lstatSync(socketPath);
  if (socket.isSocket() && socket.uid === currentUid()) fs.chmodSync(socketPath, SOCKET_MODE);
  return bound;
}
