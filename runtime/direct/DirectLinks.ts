// The calling side of direct links: one link per executing node, made on the first call there,
// kept while used, closed when idle. A link that cannot be made costs nothing: the calls go
// through the controller meanwhile, the reason is logged once, and the link is tried again later.
import { type DaffiError, OverloadedError, PayloadTooLargeError } from "../errors/DaffiError";
import { callStorage } from "../context/CallContext";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { fromWireError, type WireError } from "../errors/wireError";
import { grpcClientLink } from "../link/grpcLink";
import type { Link } from "../link/Link";
import type { Logger } from "../log/Logger";
import { shown } from "../log/shown";
import { decode, encode } from "../wire/codec";
import type { ReceivedFrame } from "../wire/Frame";
import { FrameWriter } from "../wire/FrameWriter";
import { Kind } from "../wire/Kind";
import { PROTOCOL_VERSION } from "../wire/limits";
import { checkSocketToConnect } from "../wire/socketFolder";
import type { DirectCredentials } from "./DirectServer";
import { checkProof, newNonce, prove, readTicket, type SigningKey } from "./Ticket";

/** A link not ready within this is given up (the calls go through the controller). */
const SETUP_MS = 1000;
/** A link with no call in flight for this long is closed. */
export const IDLE_MS = 30_000;
/** A ready link lost sooner than this after it was set up counts as a failure to make it. */
const QUICK_LOSS_MS = 1000;
/** After a failure, the next try waits this long, doubling up to RETRY_MAX_MS. */
const RETRY_MIN_MS = 2000;
const RETRY_MAX_MS = 60_000;

/** What the direct links need of their node. */
export interface DirectCaller {
  readonly processName: string;
  readonly key: SigningKey;
  credentials(): DirectCredentials | undefined;
  /** Frames that came on a ready link (answers of calls sent on it). */
  onFrames(peer: DirectPeer, frames: ReceivedFrame[]): void;
  /** A ready link ended: its calls in flight fail. */
  onLost(peer: DirectPeer): void;
}

export interface DirectLinkSettings {
  /** A link's channel credentials; with TLS they report the executor's server certificate (its SHA-256 fingerprint) as the TLS handshake shows it. */
  credentials: (serverCertificate: (fingerprint: string) => void) => grpc.ChannelCredentials;
  options: grpc.ChannelOptions;
  maxMessageSize: number;
  maxQueuedBytes: number;
  /** The fingerprint of the client certificate this node shows on TLS links ("" without). */
  certificate: string;
}

/** One link to one executing node. */
export class DirectPeer {
  /** The calls in flight on this link, by call id. */
  readonly calls = new Set<number>();
  ready = false;
  /** It was ready once: its end fails the calls sent on it. */
  wasReady = false;
  /** No new calls go on it (the controller gives no tickets now); it ends once its calls are answered. */
  draining = false;
  readyAt = 0;
  closed = false;
  /** The ticket the executor has of this node (HELLO's, then each renewal sent on the link). */
  ticket?: Uint8Array;
  lastUsed = Date.now();
  readonly writer: FrameWriter;

  constructor(
    readonly process: string,
    readonly address: string,
    readonly client: grpc.Client,
    readonly link: Link,
    maxMessageSize: number,
  ) {
    this.writer = new FrameWriter(link, maxMessageSize);
  }
}

interface Failure {
  address: string;
  retryAt: number;
  attempts: number;
}

export class DirectLinks {
  private readonly peers = new Map<string, DirectPeer>();
  private readonly failures = new Map<string, Failure>();
  private sweeper?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly caller: DirectCaller,
    private readonly settings: DirectLinkSettings,
    private readonly log: Logger,
  ) {}

  /**
   * The ready link to `process`, with room for `bytes` more; else undefined — and, when `address`
   * is known and no try is due later, a link is being made for the calls that follow.
   */
  ready(process: string, address: string | undefined, bytes: number): DirectPeer | undefined {
    const peer = this.peers.get(process);
    if (peer) {
      if (!peer.ready || peer.address !== address) {
        if (address !== undefined && peer.address !== address && peer.ready) this.close(peer); // moved: the old link goes
        return undefined;
      }
      const held = peer.writer.heldBytes;
      if (held !== 0 && held + bytes > this.settings.maxQueuedBytes) return undefined;
      // Larger than the executor takes: through the controller, which answers PayloadTooLargeError if it cannot pass either.
      if (bytes > peer.writer.maxPayload) return undefined;
      return peer;
    }
    // Made outside any call this node runs: the link's events must not carry that call's context (currentCall, its deadline).
    if (address !== undefined && !this.stopped) callStorage.exit(() => this.open(process, address));
    return undefined;
  }

  /**
   * Why a call of `bytes` cannot go on the ready link to `process` now: above what its executor takes
   * (PayloadTooLargeError), or its link holds maxQueuedBytes already (OverloadedError); undefined
   * when there is no ready link, or it can. With the controller away there is no other way: the
   * call fails at once instead of waiting for a controller.
   */
  refusal(process: string, bytes: number): DaffiError | undefined {
    const peer = this.peers.get(process);
    if (!peer?.ready) return undefined;
    if (bytes > peer.writer.maxPayload) return new PayloadTooLargeError(`the arguments take ${bytes} bytes, above what '${shown(process)}' takes (${peer.writer.maxPayload}), and the controller is away`);
    const held = peer.writer.heldBytes;
    if (held !== 0 && held + bytes > this.settings.maxQueuedBytes) {
      return new OverloadedError(`the direct link to '${shown(process)}' holds ${held} bytes it has not taken, and the controller is away: no room for this call`);
    }
    return undefined;
  }

  /**
   * This node has a fresh ticket (a renewal, or a restarted controller's): each ready link carries
   * it, so that its executor applies the rules it states from now on (and takes new calls again).
   */
  renewed(): void {
    const ticket = this.caller.credentials()?.ticket;
    if (!ticket) return;
    for (const peer of this.peers.values()) if (peer.ready) this.showTicket(peer, ticket);
  }

  /**
   * The controller (a restarted one) gives no tickets: it vouches for no link. New calls go through
   * it; each link ends once the calls sent on it are answered (checked with the idle ones).
   */
  drain(): void {
    for (const peer of this.peers.values()) {
      if (!peer.ready) continue;
      peer.ready = false;
      peer.draining = true;
      if (peer.calls.size === 0) this.retire(peer);
    }
  }

  private showTicket(peer: DirectPeer, ticket: Uint8Array): void {
    if (peer.ticket === ticket) return;
    peer.ticket = ticket;
    peer.writer.send({ kind: Kind.TICKET, payload: encode({ ticket }) });
  }

  readyProcesses(): string[] {
    return [...this.peers.values()].filter((peer) => peer.ready).map((peer) => peer.process);
  }

  /** Ends every link after what is queued on it (the node stops). */
  async stop(deadline: number): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    const peers = [...this.peers.values()];
    await Promise.all(
      peers.map(
        (peer) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
            peer.link.once("close", () => {
              clearTimeout(timer);
              resolve();
            });
            peer.writer.close();
            peer.link.end();
          }),
      ),
    );
    for (const peer of peers) this.close(peer);
  }

  private open(process: string, address: string): void {
    const failure = this.failures.get(process);
    if (failure && failure.address === address && Date.now() < failure.retryAt) return;
    const credentials = this.caller.credentials();
    if (!credentials) return; // no ticket: new links wait for the controller
    let client: grpc.Client;
    // The certificate the executor showed on this link's TLS handshake: its proof must have signed it (no relay by whoever holds some certificate of the CA).
    let serverCertificate = "";
    try {
      if (address.startsWith("unix:")) {
        const socketPath = address.slice("unix:".length);
        checkSocketToConnect(path.dirname(socketPath), socketPath);
      }
      client = new grpc.Client(address, this.settings.credentials((fingerprint) => (serverCertificate = fingerprint)), this.settings.options);
    } catch (error) {
      return this.failed(process, address, error instanceof Error ? error.message : String(error));
    }
    const link = grpcClientLink(client);
    const peer = new DirectPeer(process, address, client, link, this.settings.maxMessageSize);
    this.peers.set(process, peer);
    const nonce = newNonce();
    const setup = setTimeout(() => this.giveUp(peer, `no answer within ${SETUP_MS / 1000} s`), SETUP_MS);
    let ended = false;
    const end = (error?: Error) => {
      if (ended) return;
      ended = true;
      clearTimeout(setup);
      const byUs = peer.closed; // idle, moved, given up, stopped: said already where it was decided
      this.close(peer);
      // At a stop the node fails what is left itself (StoppedError).
      if (peer.wasReady && !this.stopped) this.caller.onLost(peer);
      if (byUs || this.stopped) return;
      // Lost before, or just after, it was set up: a failure (tried again later, not at every call).
      // Ended by the executor without a word (it is stopping) is said only in debug logs.
      if (!peer.wasReady || Date.now() - peer.readyAt < QUICK_LOSS_MS) this.failed(process, address, error ? shown(error.message, 300) : "the link ended before it was set up", error !== undefined);
      else this.failures.delete(process);
    };
    let welcomed = false;
    link.on("data", (frames: ReceivedFrame[]) => {
      if (peer.closed) return;
      if (peer.ready || peer.draining) return this.caller.onFrames(peer, frames);
      for (let i = 0; i < frames.length; i++) {
        const frame = frames[i]!;
        if (!welcomed) {
          const wrong = this.welcomed(peer, frame, credentials, nonce, serverCertificate);
          if (wrong) return this.giveUp(peer, wrong);
          welcomed = true;
          continue;
        }
        // The executor took our proof: calls may go.
        if (frame.kind !== Kind.PROOF) return this.giveUp(peer, frame.kind === Kind.ERROR ? "our proof was refused" : `expected the executor's PROOF, got kind ${frame.kind}`);
        clearTimeout(setup);
        peer.ready = true;
        peer.wasReady = true;
        peer.readyAt = peer.lastUsed = Date.now();
        this.log.debug(`Direct link to '${shown(process)}' is ready (${shown(address)})`);
        this.sweep();
        // A ticket that came during the handshake goes now.
        const latest = this.caller.credentials()?.ticket;
        if (latest) this.showTicket(peer, latest);
        const rest = frames.slice(i + 1);
        if (rest.length > 0) this.caller.onFrames(peer, rest);
        return;
      }
    });
    link.on("error", end);
    link.on("end", () => end());
    link.on("close", () => end());
    peer.ticket = credentials.ticket;
    const hello = { protocol: PROTOCOL_VERSION, ticket: credentials.ticket, nonce, maxMessageSize: this.settings.maxMessageSize };
    peer.writer.send({ kind: Kind.HELLO, name: this.caller.processName, payload: encode(hello) });
  }

  /** The executor's WELCOME: its ticket names the process we meant, and it signed our challenge. Then our PROOF goes. Undefined when all is right, else why not. */
  private welcomed(peer: DirectPeer, frame: ReceivedFrame, credentials: DirectCredentials, nonce: Uint8Array, serverCertificate: string): string | undefined {
    if (frame.kind === Kind.ERROR) {
      try {
        const error = fromWireError(decode<WireError>(frame.payload), peer.process);
        return `refused: ${error.message}`;
      } catch {
        return "refused";
      }
    }
    if (frame.kind !== Kind.WELCOME) return `expected WELCOME, got kind ${frame.kind}`;
    let welcome: { ticket?: unknown; proof?: unknown; nonce?: unknown; maxMessageSize?: unknown } | undefined;
    try {
      welcome = decode(frame.payload);
    } catch {
      return "a WELCOME that is not CBOR";
    }
    const body = readTicket(welcome?.ticket, credentials.controllerKey);
    if (typeof body === "string") return `the executor showed ${body}`;
    if (body.process !== peer.process) return `the address is that of process '${shown(body.process)}', not '${shown(peer.process)}'`;
    const wrong = checkProof(welcome?.proof, body, "executor", this.caller.processName, nonce, serverCertificate);
    if (wrong) return `the executor showed ${wrong}`;
    const challenge = welcome?.nonce;
    if (!(challenge instanceof Uint8Array) || challenge.length < 16 || challenge.length > 64) return "a WELCOME without a challenge";
    // Calls fit what the executor takes: a larger one fails PayloadTooLargeError at once, the link goes on.
    if (typeof welcome?.maxMessageSize === "number" && welcome.maxMessageSize >= 1024) peer.writer.narrow(welcome.maxMessageSize);
    peer.writer.send({ kind: Kind.PROOF, payload: encode({ proof: prove(this.caller.key, "caller", this.caller.processName, peer.process, challenge, this.settings.certificate) }) });
    return undefined;
  }

  /** The link is not made: the calls go through the controller, the reason is said once, and it is tried again later. */
  private giveUp(peer: DirectPeer, why: string): void {
    if (peer.closed) return;
    this.close(peer);
    this.failed(peer.process, peer.address, why);
  }

  private failed(process: string, address: string, why: string, worthSaying = true): void {
    const failure = this.failures.get(process);
    const attempts = failure && failure.address === address ? failure.attempts + 1 : 0;
    if (attempts === 0) this.log[worthSaying ? "info" : "debug"](`No direct link to '${shown(process)}' (${shown(address)}): ${shown(why, 400)}; its calls go through the controller, the link is tried again later`);
    this.failures.set(process, { address, attempts, retryAt: Date.now() + Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(attempts, 10)) });
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  /** No more calls go on the link; what is queued on it is written. */
  private forget(peer: DirectPeer): void {
    peer.closed = true;
    peer.ready = false;
    if (this.peers.get(peer.process) === peer) this.peers.delete(peer.process);
    peer.writer.close();
  }

  /** Ends an idle link after what was written on it (a NO_RETURN call still on its way arrives). */
  private retire(peer: DirectPeer): void {
    this.forget(peer);
    peer.link.end();
    const timer = setTimeout(() => {
      peer.link.abort();
      peer.client.close();
    }, IDLE_MS);
    timer.unref();
    peer.link.once("close", () => {
      clearTimeout(timer);
      peer.client.close();
    });
  }

  private close(peer: DirectPeer): void {
    if (peer.closed) return;
    this.forget(peer);
    peer.link.abort();
    peer.client.close();
  }

  /** Links without a call in flight for IDLE_MS are closed (checked every IDLE_MS / 2 while there are links). */
  private sweep(): void {
    if (this.sweeper || this.stopped) return;
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const peer of this.peers.values()) {
        if (peer.ready && peer.calls.size === 0 && now - peer.lastUsed > IDLE_MS) {
          this.log.debug(`Direct link to '${shown(peer.process)}' closed: idle`);
          this.retire(peer);
        } else if (peer.draining && peer.calls.size === 0) {
          this.retire(peer);
        }
      }
      if (this.peers.size === 0) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
      }
    }, IDLE_MS / 2);
    this.sweeper.unref();
  }
}
