// Real nats-server processes for the tests (Debian's package; .ci/run installs it): one server, or
// a cluster on loopback, each on free ports, with a configuration file of its own; killed at the end.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Spawned } from "./Spawned";
import { freePort } from "./system";

export const NATS_SERVER = ["/usr/sbin/nats-server", "/usr/bin/nats-server"].find((file) => fs.existsSync(file)) ?? "nats-server";

export interface NatsServerSettings {
  /** Lines added to the configuration (authorization, accounts, …). */
  extra?: string;
  /** Largest message (default 8 MiB: 1 MiB payloads travel in one message). */
  maxPayload?: number;
}

export class NatsServer {
  private process?: Spawned;
  private constructor(
    readonly name: string,
    readonly port: number,
    readonly clusterPort: number,
    private readonly configFile: string,
    /** The configuration's lines before the settings' `extra`. */
    private readonly base: string[],
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** One server (`routes` empty) or a member of a cluster. */
  static async start(settings: NatsServerSettings = {}, name = "n1", ports?: { port: number; clusterPort: number }, routes: number[] = []): Promise<NatsServer> {
    const port = ports?.port ?? (await freePort());
    const clusterPort = ports?.clusterPort ?? (await freePort());
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "daffi-nats-"));
    const base = [
      `server_name: ${name}`,
      `listen: 127.0.0.1:${port}`,
      `max_payload: ${settings.maxPayload ?? 8 * 1024 * 1024}`,
      ...(routes.length > 0 || ports
        ? [`cluster { name: daffi-test, listen: 127.0.0.1:${clusterPort}, routes: [${routes.map((route) => `nats-route://127.0.0.1:${route}`).join(", ")}] }`]
        : []),
    ];
    const configFile = path.join(folder, "nats.conf");
    fs.writeFileSync(configFile, [...base, settings.extra ?? ""].join("\n"));
    const server = new NatsServer(name, port, clusterPort, configFile, base);
    await server.run();
    return server;
  }

  /** `size` servers, each routed to the others; resolves once every route is up. */
  static async cluster(size = 3, settings: NatsServerSettings = {}): Promise<NatsServer[]> {
    const ports = await Promise.all(Array.from({ length: size }, async () => ({ port: await freePort(), clusterPort: await freePort() })));
    const servers = await Promise.all(
      ports.map((own, i) =>
        NatsServer.start(
          settings,
          `n${i + 1}`,
          own,
          ports.filter((_, j) => j !== i).map((other) => other.clusterPort),
        ),
      ),
    );
    await Promise.all(servers.map((server) => server.routed(size - 1)));
    return servers;
  }

  /** The same server's ports with other lines (authorization, …) from its next run() on. */
  reconfigure(extra: string): void {
    fs.writeFileSync(this.configFile, [...this.base, extra].join("\n"));
  }

  /** Runs (again, on the same ports and configuration) until it is ready. */
  async run(): Promise<void> {
    this.process = new Spawned(`nats-server ${this.name}`, ["-c", this.configFile], {}, NATS_SERVER);
    await this.process.waitForLine(/Server is ready/, 15_000);
  }

  /** Resolves once `count` route connections are up (as the server logs them). */
  async routed(count: number, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = [...this.process!.stdout, ...this.process!.stderr].filter((line) => /Route connection created/.test(line)).length;
      if (lines >= count) return;
      if (Date.now() > deadline) throw new Error(`${this.name}: ${lines} of ${count} routes within ${timeoutMs} ms\n${this.process!.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The server's process id (while it runs). */
  get pid(): number {
    return this.process!.pid;
  }

  /** Kills it at once (SIGKILL: no goodbye to its clients). */
  async kill(): Promise<void> {
    const running = this.process;
    if (!running) return;
    this.process = undefined;
    running.kill("SIGKILL");
    await running.exited;
  }

  output(): string {
    return this.process?.output() ?? "";
  }
}
