// Where the controller listens and nodes connect: a UNIX socket (default) or TCP host:port.
import * as os from "node:os";
import * as path from "node:path";

export type Address = { kind: "unix"; folder: string; socketPath: string } | { kind: "tcp"; host: string; port: number };

export interface AddressOptions {
  host?: string;
  port?: number;
  unixSockPath?: string;
}

/** The spec's default: `<tmp>/daffi/.sock`. */
export function defaultSocketFolder(): string {
  return path.join(os.tmpdir(), "daffi");
}

/** No host and no port: UNIX socket. Only a host: random port (0). Only a port: localhost. */
export function resolveAddress(options: AddressOptions): Address {
  if (options.host === undefined && options.port === undefined) {
    const folder = options.unixSockPath ?? defaultSocketFolder();
    return { kind: "unix", folder, socketPath: path.join(folder, ".sock") };
  }
  return { kind: "tcp", host: options.host ?? "localhost", port: options.port ?? 0 };
}

/** The gRPC target string for both binding and connecting. */
export function grpcTarget(address: Address): string {
  if (address.kind === "unix") return `unix:${address.socketPath}`;
  const host = address.host.includes(":") && !address.host.startsWith("[") ? `[${address.host}]` : address.host;
  return `${host}:${address.port}`;
}

/** As the spec's log lines show it: `tcp: [ host 'localhost', port: 8888 ]`. */
export function describeAddress(address: Address): string {
  return address.kind === "unix" ? `unix: [ path '${address.socketPath}' ]` : `tcp: [ host '${address.host}', port: ${address.port} ]`;
}
