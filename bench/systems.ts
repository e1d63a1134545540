// The processes a measurement runs against, started fresh for each run so that runs are
// independent samples (the scheduler places the processes anew each time).
import type { Variant } from "./variants";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { NatsServer } from "../test/helpers/NatsServer";
import { CLI, DIST, Spawned } from "../test/helpers/Spawned";
import type { RolePids } from "./cpu";

export type Transport = "unix" | "tcp";

/**
 * The options of `node` for every process of the heap-sized rows (daffi's and the baseline's alike):
 * a first old-generation size of 64 MB, so that V8 does not run a full collection every few 1 MiB
 * calls in a process whose heap is a few MB (bench/NOTES.md, "Which processes V8 collects fully").
 */
export const SIZED_HEAP = ["--initial-old-space-size=64"];

/** Where traced processes write their marks (bench/trace/marks.ts); each process has a role. */
export interface Trace {
  folder: string;
}

const freshFolder = () => fs.mkdtempSync(path.join(os.tmpdir(), "daffi-bench-"));

/** The environment and node options of a process under `trace` (none without it); daffi's own processes get the codec preload. */
export function traced(trace: Trace | undefined, role: string, preload = true): { env: Record<string, string>; nodeArgs: string[] } {
  if (!trace) return { env: {}, nodeArgs: [] };
  return {
    env: { DAFFI_BENCH_TRACE: trace.folder, DAFFI_BENCH_ROLE: role },
    nodeArgs: preload ? ["-r", path.join(DIST, "bench", "trace", "preload.js")] : [],
  };
}

/** Starts something, uses it, stops it whatever happened. */
export async function using<S extends { stop(): Promise<void> }, T>(started: Promise<S>, use: (system: S) => Promise<T>): Promise<T> {
  const system = await started;
  try {
    return await use(system);
  } finally {
    await system.stop();
  }
}

/** SIGKILL by default; SIGTERM lets traced processes write their marks at exit. */
async function stopAll(children: Spawned[], signal: NodeJS.Signals): Promise<void> {
  for (const child of children) child.kill(signal);
  await Promise.all(children.map((child) => child.exited));
}

/** A controller (or NATS servers) and the executing nodes (bench/daffi-worker.js) that answer the daffi client. */
export class DaffiSystem {
  private constructor(
    readonly env: Record<string, string>,
    /** The broker: daffi's controller, or the (first) NATS server. */
    readonly controller: { readonly pid: number },
    readonly workers: Spawned[],
    private readonly signal: NodeJS.Signals,
    private readonly stopBroker: () => Promise<void>,
  ) {}

  /** With `trace`, the controller's role is "controller" and each worker's is its name. */
  /** `direct`: the nodes call each other on direct links (else, with --no-direct, every call crosses the controller). */
  /** `variant`: the worker and the client run with a no-op interceptor on each side, or with metrics on (bench/variants.ts). */
  /** `nodeArgs`: options of `node` for the controller and the workers (the heap-sized rows: see SIZED_HEAP). */
  static async start(transport: Transport, workerNames = ["worker-1"], trace?: Trace, direct = false, variant?: Variant, nodeArgs: string[] = []): Promise<DaffiSystem> {
    const folder = freshFolder();
    const address = transport === "unix" ? ["--unix-sock-path", folder] : ["--host", "127.0.0.1", "--port", "0"];
    const tracing = traced(trace, "controller");
    const controller = new Spawned("controller", [...nodeArgs, ...tracing.nodeArgs, CLI, "controller", ...address, ...(direct ? [] : ["--no-direct"])], tracing.env);
    const [, port] = await controller.waitForLine(/Controller has been started.*?(?:port: (\d+) \]|$)/);
    const env: Record<string, string> = transport === "unix" ? { DAFFI_UNIX_SOCK_PATH: folder } : { DAFFI_HOST: "127.0.0.1", DAFFI_PORT: port! };
    // The client makes its direct links before it measures (a stream's one call would otherwise start before them).
    if (direct) env.DAFFI_BENCH_DIRECT = "1";
    if (variant) env.DAFFI_BENCH_VARIANT = variant;
    const workers = workerNames.map((name) => {
      const worker = traced(trace, name);
      return Spawned.script("bench/daffi-worker.js", { ...env, DAFFI_NAME: name, ...worker.env }, [], [...nodeArgs, ...worker.nodeArgs]);
    });
    await Promise.all(workers.map((worker) => worker.waitForLine(/^READY$/)));
    const signal = trace ? "SIGTERM" : "SIGKILL";
    return new DaffiSystem(env, controller, workers, signal, () => stopAll([controller], signal));
  }

  /** daffi on NATS: one nats-server (or a cluster of `servers`, each process's client picking one of them at random), no controller. */
  static async nats(workerNames = ["worker-1"], servers = 1): Promise<DaffiSystem> {
    const cluster = servers === 1 ? [await NatsServer.start()] : await NatsServer.cluster(servers);
    const env = { DAFFI_NATS: cluster.map((server) => server.url).join(",") };
    const workers = workerNames.map((name) => Spawned.script("bench/daffi-worker.js", { ...env, DAFFI_NAME: name }));
    await Promise.all(workers.map((worker) => worker.waitForLine(/^READY$/, 20_000)));
    return new DaffiSystem(env, { pid: cluster[0]!.pid }, workers, "SIGKILL", async () => {
      await Promise.all(cluster.map((server) => server.kill()));
    });
  }

  /** The spec's common setup: the controller in the executing node's process (an in-memory link between them). */
  static async colocated(): Promise<DaffiSystem> {
    const env = { DAFFI_UNIX_SOCK_PATH: freshFolder() };
    const process = Spawned.script("bench/colocated-worker.js", env);
    await process.waitForLine(/^READY$/);
    return new DaffiSystem(env, process, [], "SIGKILL", () => stopAll([process], "SIGKILL"));
  }

  /** The controller and the (first) executing node, for their CPU time per call. */
  get roles(): RolePids {
    return { broker: this.controller.pid, executor: (this.workers[0] ?? this.controller).pid };
  }

  async stop(): Promise<void> {
    await stopAll(this.workers, this.signal);
    await this.stopBroker();
  }
}

/** Where a raw gRPC server listens: a fresh UNIX socket, or a free TCP port on 127.0.0.1. */
function rawAddress(transport: Transport): { listen: string; target: (port: string) => string } {
  if (transport === "tcp") return { listen: "127.0.0.1:0", target: (port) => `127.0.0.1:${port}` };
  const socket = `unix:${path.join(freshFolder(), "raw.sock")}`;
  return { listen: socket, target: () => socket };
}

/** The baseline's server: a plain @grpc/grpc-js echo (bench/raw-server.js). */
export class RawServer {
  private constructor(
    readonly target: string,
    private readonly children: Spawned[],
    private readonly signal: NodeJS.Signals,
  ) {}

  /** With `trace`, its role is "server"; `nodeArgs` are options of its `node`. */
  static async start(transport: Transport, trace?: Trace, nodeArgs: string[] = []): Promise<RawServer> {
    const address = rawAddress(transport);
    const server = Spawned.script("bench/raw-server.js", traced(trace, "server", false).env, [address.listen], nodeArgs);
    const [, port] = await server.waitForLine(/^READY (\d+)$/);
    return new RawServer(address.target(port!), [server], trace ? "SIGTERM" : "SIGKILL");
  }

  /** `count` raw servers; the target lists them all (comma-separated): the raw fan-out's baseline. */
  static async many(transport: Transport, count: number): Promise<RawServer> {
    const servers = await Promise.all(Array.from({ length: count }, () => RawServer.start(transport)));
    return new RawServer(servers.map((server) => server.target).join(","), servers.flatMap((server) => server.children), "SIGKILL");
  }

  /**
   * The reference of a brokered call without daffi: the client's messages go through a plain gRPC
   * relay (bench/raw-relay.js) to a worker (bench/raw-worker.js) and back, bytes untouched. With
   * `trace`, the roles are those of daffi's processes: "controller" and "executor".
   */
  static async relay(transport: Transport, trace?: Trace): Promise<RawServer> {
    const address = rawAddress(transport);
    const relay = Spawned.script("bench/raw-relay.js", traced(trace, "controller", false).env, [address.listen]);
    const [, port] = await relay.waitForLine(/^READY (\d+)$/);
    const target = address.target(port!);
    const worker = Spawned.script("bench/raw-worker.js", traced(trace, "executor", false).env, [target]);
    await relay.waitForLine(/^WORKER$/);
    return new RawServer(target, [relay, worker], trace ? "SIGTERM" : "SIGKILL");
  }

  /** The relay and its worker, or the server alone, for their CPU time per call. */
  get roles(): RolePids {
    const [first, second] = this.children;
    return second ? { broker: first!.pid, executor: second.pid } : { executor: first!.pid };
  }

  stop(): Promise<void> {
    return stopAll(this.children, this.signal);
  }
}

/** The peer (bench/peers/moleculer.js): Moleculer server nodes; their client is started by the measurement, with `clientPort`. */
export class MoleculerPeer {
  private constructor(
    readonly serverPorts: number[],
    readonly clientPort: number,
    private readonly servers: Spawned[],
  ) {}

  static async start(count = 1): Promise<MoleculerPeer> {
    const [clientPort, ...serverPorts] = (await freeTcpPorts(count + 1)) as [number, ...number[]];
    const servers = serverPorts.map((port, i) => Spawned.script("bench/peers/moleculer.js", {}, ["server", String(port), String(clientPort), `server-${i + 1}`]));
    await Promise.all(servers.map((server) => server.waitForLine(/^READY$/, 20_000)));
    return new MoleculerPeer(serverPorts, clientPort, servers);
  }

  /** The client's arguments before the workload's. */
  get clientArgs(): string[] {
    return ["client", String(this.clientPort), this.serverPorts.join(",")];
  }

  stop(): Promise<void> {
    return stopAll(this.servers, "SIGKILL");
  }
}

/** `count` distinct free ports: every probe stays open until all are chosen (one closed at once could be handed out again). */
async function freeTcpPorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => net.createServer());
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))));
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
