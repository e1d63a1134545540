// Starts a stand-alone controller (the CLI) on a UNIX socket or a random TCP port, and tells nodes where it is.
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Global } from "../../runtime";
import { CLI, killAll, Spawned } from "./Spawned";

export type Transport = "unix" | "tcp";

export interface Connection {
  /** Options for Global in this (jest) process. */
  options: { host?: string; port?: number; unixSockPath?: string };
  /** The same, as environment for spawned examples and fixtures. */
  env: Record<string, string>;
}

export function tempSocketFolder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "daffi-test-"));
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startController(transport: Transport): Promise<{ controller: Spawned; connection: Connection }> {
  if (transport === "unix") {
    const folder = tempSocketFolder();
    const controller = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder]);
    await controller.waitForLine(/Controller has been started successfully/);
    return { controller, connection: { options: { unixSockPath: folder }, env: { DAFFI_UNIX_SOCK_PATH: folder } } };
  }
  const controller = new Spawned("controller", [CLI, "controller", "--host", "127.0.0.1", "--port", "0"]);
  const [, port] = await controller.waitForLine(/port: (\d+) \]/);
  return {
    controller,
    connection: { options: { host: "127.0.0.1", port: Number(port) }, env: { DAFFI_HOST: "127.0.0.1", DAFFI_PORT: String(port) } },
  };
}

/**
 * A controller, the fixture nodes (each started and READY), and a Global in this process named
 * `driver`: the usual stage of an end-to-end test. Stop it with `stopSystem`.
 */
export async function startSystem(
  fixtures: Array<{ script: string; env?: Record<string, string> }>,
  driver: string,
  transport: Transport = "unix",
): Promise<{ g: Global; connection: Connection; nodes: Spawned[] }> {
  const { connection } = await startController(transport);
  const nodes = fixtures.map(({ script, env }) => Spawned.script(script, { ...connection.env, ...env }));
  await Promise.all(nodes.map((node) => node.waitForLine(/^READY$/)));
  const g = await Global.start({ processName: driver, ...connection.options, logLevel: "silent" });
  return { g, connection, nodes };
}

export async function stopSystem(g: Global | undefined): Promise<void> {
  await g?.stop();
  await killAll();
}
