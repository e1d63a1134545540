// The controller: a gRPC server that admits nodes and hands their frames to the Router.
import * as fs from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { AccessPolicy } from "../auth/AccessPolicy";
import type { AuthOptions } from "../auth/AuthOptions";
import type { Logger } from "../log/Logger";
import { type Address, describeAddress } from "../wire/address";
import { channelOptions } from "../wire/channelOptions";
import { serverCredentials, type TlsOptions, usesTls } from "../wire/tls";
import { listenForLinks, shutDown } from "../link/grpcServer";
import type { Link } from "../link/Link";
import { type LocalEnd, localLink } from "../link/localLink";
import { prepareSocketFolder } from "../wire/socketFolder";
import { attachSession } from "./attachSession";
import { Router } from "./Router";

export interface ControllerSettings {
  heartbeat?: number;
  maxMessageSize?: number;
  /** Who may connect, under which names, serving and calling what; without it, anyone who reaches the socket. */
  auth?: AuthOptions;
  /** Bytes held for one node it has not taken yet (default 64 MiB): beyond, calls to it fail with OverloadedError. */
  maxQueuedBytes?: number;
  /** Give nodes tickets for direct links (default true): false keeps every call on the controller. */
  direct?: boolean;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export class Controller {
  readonly router: Router;
  private server?: grpc.Server;
  /** Each node's stream, with the way to end it gracefully (what is queued for it is written first). */
  private readonly streams = new Map<Link, () => void>();
  /** The address actually bound: the port is filled in when 0 was asked. */
  address: Address;

  constructor(
    address: Address,
    private readonly processName: string,
    private readonly log: Logger,
    private readonly tls: TlsOptions = {},
    private readonly limits: ControllerSettings = {},
  ) {
    this.address = address;
    this.policy = new AccessPolicy(limits.auth);
    this.router = new Router(processName, log, this.policy, limits.direct ?? true);
  }

  private readonly policy: AccessPolicy;

  private starting?: Promise<void>;

  start(): Promise<void> {
    this.starting ??= this.listen();
    return this.starting;
  }

  private async listen(): Promise<void> {
    if (this.address.kind === "unix") await prepareSocketFolder(this.address.folder, this.address.socketPath);
    const listening = await listenForLinks(this.address, serverCredentials(this.tls), channelOptions(this.limits.heartbeat, this.limits.maxMessageSize), (link) => this.accept(link), "controller");
    const server = listening.server;
    this.address = listening.address;
    this.server = server;
    this.log.info(
      `Controller has been started successfully. Process identificator: '${this.processName}'. Connection info: ${describeAddress(this.address)}${usesTls(this.tls) ? " (TLS)" : ""}${this.policy.enforced ? " (auth)" : ""}`,
    );
    if (this.address.kind === "tcp" && !isLoopback(this.address.host) && !usesTls(this.tls)) {
      this.log.warn(
        this.policy.enforced
          ? `Listening on ${this.address.host} without TLS: tokens and calls cross the network unencrypted (set sslCertificate and sslKey)`
          : `Listening on ${this.address.host} without TLS and without auth: anyone who reaches this port can call every callback (set auth, and sslCertificate with sslKey)`,
      );
    }
  }

  /**
   * Refuses new calls, lets the calls in flight finish (up to `drainMs`), then ends every node's
   * stream and closes the server (forcibly after `graceMs`).
   */
  async stop(drainMs = 5000, graceMs = 2000): Promise<void> {
    // A stop during start waits for the bind, so that no listening server is left behind.
    await this.starting?.catch(() => undefined);
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.router.refuseNewCalls();
    const deadline = Date.now() + drainMs;
    while (this.router.busy && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    // Answers routed but still queued go out before each stream ends; the streams get what is left of
    // the drain time (and the grace) to deliver them before the server is shut down by force.
    for (const end of this.streams.values()) end();
    await shutDown(server, Math.max(0, deadline - Date.now()) + graceMs);
    if (this.address.kind === "unix") fs.rmSync(this.address.socketPath, { force: true });
    this.log.info("Controller stopped.");
  }

  /** The node of this same process connects here, in memory; undefined once the controller stopped. */
  connectLocal(): LocalEnd | undefined {
    if (!this.server) return undefined;
    const [nodeEnd, controllerEnd] = localLink();
    this.accept(controllerEnd, true);
    return nodeEnd;
  }

  /** A node's link, over gRPC or in memory (`local`): a session of the router until it ends. */
  private accept(stream: Link, local = false): void {
    attachSession(this.router, stream, this.limits, this.log, local, this.streams);
  }
}
