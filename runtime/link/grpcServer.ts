// Listening for links over gRPC (the Daffi/Connect method): the controller's server, and each node's
// server for direct links. One way to bind, one way to say why a bind failed.
import * as grpc from "@grpc/grpc-js";
import { ConfigurationError } from "../errors/DaffiError";
import { type Address, describeAddress, grpcTarget } from "../wire/address";
import type { ReceivedFrame } from "../wire/Frame";
import { type Batch, DaffiService } from "../wire/protocol";
import { bindPrivately } from "../wire/socketFolder";
import { grpcServerLink } from "./grpcLink";
import type { Link } from "./Link";

/** A bound server and the address it took (a TCP port 0 filled in). */
export interface Listening {
  server: grpc.Server;
  address: Address;
}

/**
 * Binds a gRPC server on `address` (a UNIX socket made private to this user) and hands each new
 * Connect stream to `accept` as a Link. `who` names the listener in errors ("controller", "node").
 */
export async function listenForLinks(
  address: Address,
  credentials: grpc.ServerCredentials,
  options: grpc.ChannelOptions,
  accept: (link: Link) => void,
  who: string,
): Promise<Listening> {
  const server = new grpc.Server(options);
  server.addService(DaffiService, { connect: (stream: grpc.ServerDuplexStream<ReceivedFrame[], Batch>) => accept(grpcServerLink(stream)) });
  const bind = () =>
    new Promise<number>((resolve, reject) =>
      server.bindAsync(grpcTarget(address), credentials, (error, bound) => (error ? reject(cannotListen(address, error, who)) : resolve(bound))),
    );
  const port = address.kind === "unix" ? await bindPrivately(address.folder, address.socketPath, bind) : await bind();
  return { server, address: address.kind === "tcp" ? { ...address, port } : address };
}

/** What a failed bind means, said as the user can act on it (grpc-js's own message is a list of resolver errors). */
function cannotListen(address: Address, error: Error, who: string): ConfigurationError {
  const where = address.kind === "tcp" ? `port ${address.port} on ${address.host}` : describeAddress(address);
  if (/EADDRINUSE/.test(error.message)) return new ConfigurationError(`${where} is in use (another ${who} or program listens there): give another port, or 0 for a free one`);
  if (/EACCES/.test(error.message)) return new ConfigurationError(`${where} needs privileges this process does not have (ports below 1024 do): give another port`);
  if (/EADDRNOTAVAIL|ENOTFOUND|EAI_AGAIN/.test(error.message)) return new ConfigurationError(`${who} cannot listen on ${where}: no such address on this machine`);
  return new ConfigurationError(`${who} cannot listen on ${describeAddress(address)}: ${error.message}`);
}

/** Shuts a server down: gracefully, by force after `graceMs`. */
export function shutDown(server: grpc.Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
