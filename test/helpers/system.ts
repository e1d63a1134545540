// Starts a stand-alone controller (the CLI) on a UNIX socket or a random TCP port, and tells nodes where it is.
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { CLI, Spawned } from "./Spawned";

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
