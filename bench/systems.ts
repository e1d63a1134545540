// The processes a measurement runs against, started fresh for each run so that runs are
// independent samples (the scheduler places the processes anew each time).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CLI, Spawned } from "../test/helpers/Spawned";

export type Transport = "unix" | "tcp";

const freshFolder = () => fs.mkdtempSync(path.join(os.tmpdir(), "daffi-bench-"));

async function stopAll(children: Spawned[]): Promise<void> {
  for (const child of children) child.kill("SIGKILL");
  await Promise.all(children.map((child) => child.exited));
}

/** A controller and the executing nodes (bench/daffi-worker.js) that answer the daffi client. */
export class DaffiSystem {
  private constructor(
    readonly env: Record<string, string>,
    readonly controller: Spawned,
    readonly workers: Spawned[],
  ) {}

  static async start(transport: Transport, workerNames = ["worker-1"]): Promise<DaffiSystem> {
    const folder = freshFolder();
    const address = transport === "unix" ? ["--unix-sock-path", folder] : ["--host", "127.0.0.1", "--port", "0"];
    const controller = new Spawned("controller", [CLI, "controller", ...address]);
    const [, port] = await controller.waitForLine(/Controller has been started.*?(?:port: (\d+) \]|$)/);
    const env: Record<string, string> = transport === "unix" ? { DAFFI_UNIX_SOCK_PATH: folder } : { DAFFI_HOST: "127.0.0.1", DAFFI_PORT: port! };
    const workers = workerNames.map((name) => Spawned.script("bench/daffi-worker.js", { ...env, DAFFI_NAME: name }));
    await Promise.all(workers.map((worker) => worker.waitForLine(/^READY$/)));
    return new DaffiSystem(env, controller, workers);
  }

  /** The spec's common setup: the controller in the executing node's process (an in-memory link between them). */
  static async colocated(): Promise<DaffiSystem> {
    const env = { DAFFI_UNIX_SOCK_PATH: freshFolder() };
    const process = Spawned.script("bench/colocated-worker.js", env);
    await process.waitForLine(/^READY$/);
    return new DaffiSystem(env, process, []);
  }

  stop(): Promise<void> {
    return stopAll([this.controller, ...this.workers]);
  }
}

/** The baseline's server: a plain @grpc/grpc-js echo (bench/raw-server.js). */
export class RawServer {
  private constructor(
    readonly target: string,
    private readonly server: Spawned,
  ) {}

  static async start(transport: Transport): Promise<RawServer> {
    const socket = `unix:${path.join(freshFolder(), "raw.sock")}`;
    const server = Spawned.script("bench/raw-server.js", {}, [transport === "unix" ? socket : "127.0.0.1:0"]);
    const [, port] = await server.waitForLine(/^READY (\d+)$/);
    return new RawServer(transport === "unix" ? socket : `127.0.0.1:${port}`, server);
  }

  stop(): Promise<void> {
    return stopAll([this.server]);
  }
}
