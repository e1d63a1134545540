// A node's part in direct links, both sides: its key, its server (where others call it) and its links
// (where it calls others). Where it listens: beside the controller's UNIX socket, or on the TCP
// interface it reaches the controller from (directHost / directPort say otherwise).
import * as dgram from "node:dgram";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "../log/Logger";
import { shown } from "../log/shown";
import { type Address, grpcTarget } from "../wire/address";
import { channelOptions, DEFAULT_HEARTBEAT_SECONDS } from "../wire/channelOptions";
import { channelCredentials, pem, serverCredentials, type TlsOptions, usesTls } from "../wire/tls";
import { type DirectCaller, DirectLinks } from "./DirectLinks";
import { type DirectHost, DirectServer } from "./DirectServer";
import { certificateFingerprint, SigningKey } from "./Ticket";

/** The node's options for direct links. */
export interface DirectSettings {
  enabled: boolean;
  /** TCP: the address to bind and advertise (default: the interface the controller is reached from). */
  host?: string | undefined;
  /** TCP: the port (default a free one). */
  port?: number | undefined;
}

type Host = Omit<DirectHost, "key"> & Omit<DirectCaller, "key">;

export class DirectEnd {
  readonly key = new SigningKey();
  readonly server: DirectServer;
  readonly links: DirectLinks;
  /** The gRPC target others reach this node's server at, once it listens. */
  address?: string;

  constructor(
    private readonly host: Host,
    private readonly controller: Address,
    private readonly tls: TlsOptions & { heartbeat?: number | undefined },
    private readonly settings: DirectSettings,
    private readonly maxMessageSize: number,
    maxQueuedBytes: number,
    private readonly log: Logger,
  ) {
    const heartbeatMs = (tls.heartbeat ?? DEFAULT_HEARTBEAT_SECONDS) * 1000;
    // This node's own certificate: shown as a client on its links, as a server to its callers; each side's proof signs the one it shows.
    const certificate = usesTls(tls) && tls.sslCertificate !== undefined && tls.sslKey !== undefined ? certificateFingerprint(pem(tls.sslCertificate, "sslCertificate")) : "";
    this.server = new DirectServer({ ...host, key: this.key }, { maxMessageSize, maxQueuedBytes, heartbeatMs, certificate }, log);
    // The executor's identity is proven by its ticket and its signature of our challenge and of the
    // certificate it shows; TLS checks that certificate against the CA, not against a host name (a
    // node's certificate names the node, not its address).
    const credentials = (serverCertificate: (fingerprint: string) => void) =>
      channelCredentials(
        { ...tls, sslServerName: undefined },
        {
          checkServerIdentity: (_host, shown) => {
            serverCertificate(shown.fingerprint256 ?? "");
            return undefined;
          },
        },
      ).credentials;
    this.links = new DirectLinks({ ...host, key: this.key }, { credentials, options: channelOptions(tls.heartbeat, maxMessageSize), maxMessageSize, maxQueuedBytes, certificate }, log);
  }

  /** This node has a new ticket from a (perhaps new) controller: its callers must show one from it too, and its own links carry it. */
  credentialsChanged(): void {
    this.server.credentialsChanged();
    this.links.renewed();
    if (!this.host.credentials()) this.links.drain();
  }

  /** Starts the server; a node that cannot listen still calls others directly, and is called through the controller. */
  async listen(): Promise<void> {
    try {
      const credentials = this.serverCredentials();
      if (!credentials) return;
      const address = await this.listenAddress();
      // No more streams per connection than a caller needs, and no message larger than this node takes.
      const options = { ...channelOptions(this.tls.heartbeat, this.maxMessageSize), "grpc.max_concurrent_streams": 16 };
      const bound = await this.server.listen(address, credentials, options);
      this.address = grpcTarget(bound.kind === "tcp" ? { ...bound, host: await advertised(bound.host, this.controller) } : bound);
    } catch (error) {
      this.log.warn(`This node takes no direct links (its callers go through the controller): ${shown(error instanceof Error ? error.message : String(error), 400)}`);
    }
  }

  /** Some direct link is open, either way. */
  get hasLinks(): boolean {
    return this.server.linkCount > 0 || this.links.readyProcesses().length > 0;
  }

  async stop(deadline: number): Promise<void> {
    await Promise.all([this.server.stop(deadline), this.links.stop(deadline)]);
  }

  /** With TLS the server needs this node's own certificate and key; with its own certificate, it asks callers for theirs (mutual TLS). */
  private serverCredentials(): grpc.ServerCredentials | undefined {
    if (!usesTls(this.tls)) return grpc.ServerCredentials.createInsecure();
    const { sslCertificate, sslKey, sslCa } = this.tls;
    if (sslCertificate === undefined || sslKey === undefined) {
      this.log.info("This node takes no direct links: with TLS it needs its own sslCertificate and sslKey (its callers go through the controller)");
      return undefined;
    }
    return serverCredentials({ sslCertificate, sslKey, sslClientCa: sslCa ?? sslCertificate });
  }

  private async listenAddress(): Promise<Address> {
    if (this.controller.kind === "unix") {
      const folder = this.controller.folder;
      await removeLeftovers(folder);
      return { kind: "unix", folder, socketPath: path.join(folder, `n-${process.pid}-${randomBytes(4).toString("hex")}.sock`) };
    }
    return { kind: "tcp", host: this.settings.host ?? (await routeTo(this.controller.host, this.controller.port)), port: this.settings.port ?? 0 };
  }
}

/** Bound on every interface (0.0.0.0, ::): others reach it on the one the controller is reached from. */
async function advertised(bound: string, controller: Address): Promise<string> {
  if (bound !== "0.0.0.0" && bound !== "::" && bound !== "[::]") return bound;
  return controller.kind === "tcp" ? routeTo(controller.host, controller.port) : "127.0.0.1";
}

/** The local address the kernel sends from to reach `host` (no packet is sent: a UDP socket only picks its route). */
function routeTo(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const family = host.includes(":") ? "udp6" : "udp4";
    const socket = dgram.createSocket(family);
    socket.once("error", (error) => {
      socket.close();
      reject(error);
    });
    socket.connect(port || 9, host.replace(/^\[|\]$/g, ""), () => {
      const { address } = socket.address();
      socket.close();
      resolve(address);
    });
  });
}

/**
 * Sockets of direct links left by processes of this user that are gone (`n-<pid>-….sock`): only one
 * whose process is not there and where nobody answers (a process of another PID namespace sharing the
 * folder keeps its socket).
 */
async function removeLeftovers(folder: string): Promise<void> {
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^n-(\d+)-[0-9a-f]+\.sock$/.exec(name)?.[1];
    if (!pid || Number(pid) === process.pid || alive(Number(pid))) continue;
    const socketPath = path.join(folder, name);
    const answered = await new Promise<boolean>((resolve) => {
      const probe = net.connect(socketPath);
      probe.once("connect", () => {
        probe.destroy();
        resolve(true);
      });
      probe.once("error", (error: NodeJS.ErrnoException) => resolve(error.code !== "ECONNREFUSED"));
    });
    if (!answered) fs.rmSync(socketPath, { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}
