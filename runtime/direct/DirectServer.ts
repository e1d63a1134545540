// The executing side of direct links: a node's own gRPC server, where other nodes send their calls
// to it without the controller on the path. It admits only callers that prove who they are with the
// ticket the controller gave them, and applies the controller's rules to every call.
import * as fs from "node:fs";
import type * as grpc from "@grpc/grpc-js";
import type { KeyObject } from "node:crypto";
import { Identity } from "../auth/Identity";
import { listed } from "../contract/listed";
import type { ErrorCode } from "../errors/DaffiError";
import type { WireError } from "../errors/wireError";
import type { Link } from "../link/Link";
import { type Listening, listenForLinks, shutDown } from "../link/grpcServer";
import type { Logger } from "../log/Logger";
import { shown } from "../log/shown";
import { Throttle } from "../log/Throttle";
import { NOT_STARTED, REROUTE } from "../errors/notStarted";
import { BUILTIN_PREFIX } from "../node/builtins";
import type { Address } from "../wire/address";
import { decode, decodeOr, encode } from "../wire/codec";
import { bytesOf, metadataTooLarge } from "../context/metadata";
import type { Frame, ReceivedFrame } from "../wire/Frame";
import { FrameWriter } from "../wire/FrameWriter";
import { Kind, Mode } from "../wire/Kind";
import { MAX_ACCEPT_LENGTH, MAX_NAME_LENGTH, PROTOCOL_VERSION } from "../wire/limits";
import { checkProof, keyFingerprint, MAX_TICKET_BYTES, newNonce, prove, readTicket, type SigningKey, type TicketBody } from "./Ticket";

/**
 * Incarnations of direct links start here: the controller numbers its connections below 2^21, so an
 * executor tells by the number alone which link a call came on, and where its answer goes.
 */
export const DIRECT_INCARNATION_BASE = 2 ** 22;
const DIRECT_INCARNATION_MAX = 2 ** 31;

/** A caller the registry does not list at its PROOF waits this long to be (less than the caller's 1 s). */
const PROVISIONAL_MS = 800;
/** A ready caller the registry stops listing is cut after this (a restarted controller's nodes reconnect within a few seconds). */
const UNLISTED_MS = 10_000;
/**
 * A ready caller whose ticket is not from the controller this node is connected to now (it restarted,
 * perhaps with other rules) has this long to show one that is; its new calls wait meanwhile.
 */
const STALE_MS = 10_000;
/** Calls held on one stale link, at most (and no more than maxQueuedBytes of them). */
const MAX_HELD_CALLS = 10_000;
/** What a held frame costs besides its bytes (the object and its fields), as counted against maxQueuedBytes. */
const HELD_FRAME_BYTES = 256;
/** Links not past their handshake, at most: beyond, new connections are dropped at once. */
const MAX_HANDSHAKES = 64;
/** Of them, from one TCP host: one host cannot take every place (a UNIX socket's callers are this machine's, in a private folder). */
const MAX_HANDSHAKES_PER_HOST = 16;
/** Ready links of one caller process at once (it needs one; a reconnection may briefly make two): beyond, refused. */
const MAX_LINKS_PER_CALLER = 4;
/** A handshake takes at most this (or two heartbeats, if shorter). */
const HANDSHAKE_MS = 5000;


/** What a node shows on a direct link: the ticket the controller gave it and that controller's key. */
export interface DirectCredentials {
  ticket: Uint8Array;
  controllerKey: KeyObject;
}

/** What the direct server needs of its node. */
export interface DirectHost {
  readonly processName: string;
  readonly key: SigningKey;
  /** The node's ticket and its controller's key; undefined while it has none (no controller yet, or gone). */
  credentials(): DirectCredentials | undefined;
  /** The controller registered `name` as served by this process (an identity may not serve every callback). */
  registered(name: string): boolean;
  /** The fingerprint of the key `process` holds now (registry); undefined: not listed; null: not known now (no controller). */
  keyOf(process: string): string | undefined | null;
  /** This process's contract fingerprint of `name`, if it has one. */
  fingerprint(name: string): string | undefined;
  /** A CALL for the executor, and a caller's frames of a call it runs (CANCEL, stream items, credit). */
  run(frame: ReceivedFrame): void;
  onCallerFrame(frame: ReceivedFrame): void;
  /** The link of `incarnation` is gone: the calls that came on it end. */
  linkLost(incarnation: number): void;
}

export interface DirectServerSettings {
  maxMessageSize: number;
  maxQueuedBytes: number;
  heartbeatMs: number;
  /** The fingerprint of the certificate this server shows with TLS ("" without): its proofs sign it. */
  certificate: string;
}

/** One caller's link, from its HELLO to its end. */
class InboundLink {
  /** Set at HELLO: who the ticket says the caller is, and its key's fingerprint. */
  caller?: TicketBody;
  key?: string;
  identity?: Identity;
  /** The challenge the caller must sign (WELCOME), then true once it did. */
  nonce?: Uint8Array;
  ready = false;
  closed = false;
  /** Its PROOF came while the registry did not list it with its key: waiting for it to. */
  waiting = false;
  /** Ready, and the registry stopped listing its process: the timer that cuts it if that lasts 10 s. */
  unlisted?: NodeJS.Timeout;
  /** The controller key that signed the ticket its rules come from. */
  signedBy?: KeyObject;
  /** Its ticket is from another controller than this node's now: the timer that cuts it if no fresh one comes. */
  stale?: NodeJS.Timeout;
  /** Calls that came while it was stale, to be checked under the fresh ticket's rules, and their bytes. */
  held: ReceivedFrame[] = [];
  heldBytes = 0;
  /** A ticket it sent that this node could not check yet (it did not know that controller's key yet). */
  nextTicket?: Uint8Array;
  /** This node's controller gives no tickets: the link takes no new call (each is sent back to go through the controller); its running calls finish. */
  noTickets = false;

  constructor(
    readonly incarnation: number,
    readonly link: Link,
    readonly writer: FrameWriter,
    /** The TCP host it comes from (undefined over a UNIX socket or in memory). */
    readonly host: string | undefined,
  ) {}
}

/** What a held CALL keeps in memory, as counted against maxQueuedBytes. */
function heldBytesOf(frame: ReceivedFrame): number {
  return (frame.payload?.length ?? 0) + frame.name.length + frame.accept.length + bytesOf(frame.metadata) + HELD_FRAME_BYTES;
}

/** "ipv4:127.0.0.1:5000", "127.0.0.1:5000", "[::1]:5000" → the host; undefined for a UNIX socket or in memory. */
function tcpHostOf(peer: string): string | undefined {
  if (peer.startsWith("unix:") || peer === "in-process" || !peer.includes(":")) return undefined;
  const address = peer.replace(/^ipv[46]:/, "");
  const colon = address.lastIndexOf(":");
  return colon > 0 ? address.slice(0, colon) : address;
}

export class DirectServer {
  private listening?: Listening;
  private readonly links = new Map<number, InboundLink>();
  private nextIncarnation = DIRECT_INCARNATION_BASE;
  private readonly refusals = new Throttle();
  private stopping = false;

  constructor(
    private readonly host: DirectHost,
    private readonly settings: DirectServerSettings,
    private readonly log: Logger,
  ) {}

  get linkCount(): number {
    return this.links.size;
  }

  /** Where this node takes direct links (after `listen`). */
  get address(): Address | undefined {
    return this.listening?.address;
  }

  async listen(address: Address, credentials: grpc.ServerCredentials, options: grpc.ChannelOptions): Promise<Address> {
    const listening = await listenForLinks(address, credentials, options, (link) => this.accept(link), "node");
    if (this.stopping) {
      // Stopped while it bound: nothing is left listening.
      await shutDown(listening.server, 0);
      if (listening.address.kind === "unix") fs.rmSync(listening.address.socketPath, { force: true });
      throw new Error("the node stopped");
    }
    this.listening = listening;
    return listening.address;
  }

  /** An answer (or stream frame) of a call that came on a direct link: to that link only. */
  send(frame: Frame): void {
    const inbound = this.links.get(frame.incarnation ?? 0);
    if (!inbound || inbound.closed) return;
    inbound.writer.send(frame);
    this.checkHeld(inbound);
  }

  /** Ends every link after what is queued on it (up to `deadline`), then the server; the socket file goes. */
  async stop(deadline: number): Promise<void> {
    this.stopping = true;
    const listening = this.listening;
    this.listening = undefined;
    const closing = [...this.links.values()].map(
      (inbound) =>
        new Promise<void>((resolve) => {
          inbound.link.once("close", resolve);
          inbound.writer.close();
          inbound.link.end();
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closing), new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))))]);
    clearTimeout(timer);
    for (const inbound of this.links.values()) inbound.link.abort();
    if (!listening) return;
    await shutDown(listening.server, 500);
    if (listening.address.kind === "unix") fs.rmSync(listening.address.socketPath, { force: true });
  }

  private accept(link: Link): void {
    if (this.stopping) return link.abort();
    // Before its handshake a link costs the node without proving anything: only so many at once.
    const host = tcpHostOf(link.peer);
    let handshakes = 0;
    let fromHost = 0;
    for (const inbound of this.links.values()) {
      if (inbound.ready) continue;
      handshakes++;
      if (host !== undefined && inbound.host === host) fromHost++;
    }
    if (handshakes >= MAX_HANDSHAKES || fromHost >= MAX_HANDSHAKES_PER_HOST) {
      const why = fromHost >= MAX_HANDSHAKES_PER_HOST ? `${MAX_HANDSHAKES_PER_HOST} others from ${host} are` : `${MAX_HANDSHAKES} others are`;
      const line = this.refusals.admit(`Dropped a direct link from ${link.peer}: ${why} still in their handshake`);
      if (line) this.log.warn(line);
      return link.abort();
    }
    const writer = new FrameWriter(link, this.settings.maxMessageSize);
    const inbound = new InboundLink(this.takeIncarnation(), link, writer, host);
    this.links.set(inbound.incarnation, inbound);
    // A caller that does not finish its HELLO and PROOF within two heartbeats is dropped.
    const handshake = setTimeout(() => {
      if (!inbound.ready) this.refuse(inbound, "PROTOCOL", "no HELLO and PROOF in time");
    }, Math.min(HANDSHAKE_MS, 2 * this.settings.heartbeatMs));
    const close = () => {
      if (inbound.closed && !this.links.has(inbound.incarnation)) return;
      inbound.closed = true;
      clearTimeout(handshake);
      writer.close();
      this.links.delete(inbound.incarnation);
      this.host.linkLost(inbound.incarnation);
    };
    link.on("data", (frames: ReceivedFrame[]) => {
      for (const frame of frames) {
        if (inbound.closed) return;
        try {
          this.handle(inbound, frame);
        } catch (error) {
          this.log.warn(`Dropped a frame from '${shown(inbound.caller?.process ?? link.peer)}' on a direct link that could not be handled: ${String(error)}`);
        }
      }
    });
    link.on("end", () => {
      close();
      link.end();
    });
    link.on("error", close);
    link.on("close", close);
  }

  private handle(inbound: InboundLink, frame: ReceivedFrame): void {
    if (!inbound.ready) return this.handshake(inbound, frame);
    // Whoever the frame says, it comes from the ticket's process, on this link.
    frame.source = inbound.caller!.process;
    frame.incarnation = inbound.incarnation;
    switch (frame.kind) {
      case Kind.CALL:
        if (inbound.noTickets) return this.answerError(inbound, frame, "NODE_DISCONNECTED", this.noDirectCalls(), REROUTE);
        if (inbound.stale) return this.hold(inbound, frame);
        return this.call(inbound, frame);
      case Kind.TICKET:
        return this.renewed(inbound, decodeOr<{ ticket?: unknown }>(frame.payload)?.ticket);
      case Kind.CANCEL:
        if (inbound.stale && this.unhold(inbound, frame.callId)) return;
        frame.target = "";
        return this.host.onCallerFrame(frame);
      case Kind.STREAM_ITEM:
      case Kind.STREAM_END:
      case Kind.CREDIT:
        frame.target = "";
        return this.host.onCallerFrame(frame);
      case Kind.PING:
        return this.reply(inbound, { kind: Kind.PONG, callId: frame.callId });
      case Kind.PONG:
        return;
      default:
        this.warnThrottled(`Ignored a frame of kind ${frame.kind} from '${shown(frame.source)}' on a direct link`);
    }
  }

  /** HELLO (the caller's ticket and challenge) → WELCOME (ours, and our proof); PROOF (the caller's) → ready. */
  private handshake(inbound: InboundLink, frame: ReceivedFrame): void {
    const credentials = this.host.credentials();
    if (!credentials) return this.refuse(inbound, "NODE_DISCONNECTED", `process '${this.host.processName}' has no ticket from the controller now: call through the controller`);
    if (frame.kind === Kind.HELLO && !inbound.caller) {
      let hello: { protocol?: unknown; ticket?: unknown; nonce?: unknown; maxMessageSize?: unknown } | undefined;
      try {
        hello = decode(frame.payload);
      } catch {
        return this.refuse(inbound, "PROTOCOL", "a HELLO that is not CBOR");
      }
      if (hello?.protocol !== PROTOCOL_VERSION) return this.refuse(inbound, "PROTOCOL", `this node speaks daffi protocol ${PROTOCOL_VERSION}, the caller ${shown(String(hello?.protocol))}`);
      const body = readTicket(hello.ticket, credentials.controllerKey);
      if (typeof body === "string") return this.refuse(inbound, "PERMISSION_DENIED", `${body} (from the controller this node is connected to)`);
      const nonce = hello.nonce;
      if (!(nonce instanceof Uint8Array) || nonce.length < 16 || nonce.length > 64) return this.refuse(inbound, "PROTOCOL", "a HELLO without a challenge");
      inbound.key = keyFingerprint(body.key);
      this.takeRules(inbound, body, credentials.controllerKey);
      inbound.nonce = newNonce();
      // Answers fit what the caller takes: a larger one is answered PayloadTooLargeError, the link goes on.
      if (typeof hello.maxMessageSize === "number" && hello.maxMessageSize >= 1024) inbound.writer.narrow(hello.maxMessageSize);
      // It signs the certificate it shows on this link too: a relay showing another one is refused by the caller.
      const proof = prove(this.host.key, "executor", this.host.processName, body.process, nonce, this.settings.certificate);
      return this.reply(inbound, { kind: Kind.WELCOME, name: this.host.processName, payload: encode({ ticket: credentials.ticket, proof, nonce: inbound.nonce, maxMessageSize: this.settings.maxMessageSize }) });
    }
    if (frame.kind === Kind.PROOF && inbound.caller && inbound.nonce) {
      let proof: unknown;
      try {
        proof = decode<{ proof?: unknown }>(frame.payload)?.proof;
      } catch {
        proof = undefined;
      }
      // With mutual TLS, the caller signed the certificate it shows on this very link.
      const wrong = checkProof(proof, inbound.caller, "caller", this.host.processName, inbound.nonce, inbound.link.peerCertificate?.fingerprint256 ?? "");
      if (wrong) return this.refuse(inbound, "PERMISSION_DENIED", wrong);
      if (this.host.keyOf(inbound.caller.process) !== inbound.key) {
        // Not listed with this key (yet): a newcomer, or a process back under its name, that the next REGISTRY names — or one gone with its ticket. It waits for the registry.
        inbound.waiting = true;
        setTimeout(() => this.admitListed(inbound, true), PROVISIONAL_MS).unref();
        return;
      }
      return this.open(inbound);
    }
    this.refuse(inbound, "PROTOCOL", `expected HELLO then PROOF on a direct link, got kind ${frame.kind}`);
  }

  /** The caller is ready: it sends its calls once it hears this (until then they go through the controller). */
  private open(inbound: InboundLink): void {
    let links = 0;
    for (const other of this.links.values()) if (other.ready && other.caller?.process === inbound.caller!.process) links++;
    if (links >= MAX_LINKS_PER_CALLER) return this.refuse(inbound, "OVERLOADED", `process '${shown(inbound.caller!.process)}' has ${links} direct links to '${shown(this.host.processName)}' already`);
    inbound.waiting = false;
    inbound.ready = true;
    this.reply(inbound, { kind: Kind.PROOF });
    // This node met another controller during the handshake: the caller's rules must come from that one too.
    this.checkFresh(inbound);
  }

  private takeRules(inbound: InboundLink, body: TicketBody, signedBy: KeyObject): void {
    inbound.caller = body;
    inbound.identity = new Identity(body.identity, { processNames: [], serve: [], call: body.call, transfer: body.transfer });
    inbound.signedBy = signedBy;
  }

  /**
   * This node's controller changed (a restart, perhaps with other rules): each caller must show a
   * ticket from the new one, as it does on its own once it reconnects (TICKET on the link). Until
   * then its new calls wait; the calls running go on; without one within STALE_MS the link is cut.
   */
  credentialsChanged(): void {
    // A controller that gives no tickets (direct links off) vouches for no link: every one is stale.
    const none = this.host.credentials() === undefined;
    for (const inbound of this.links.values()) if (inbound.ready && !inbound.closed) this.checkFresh(inbound, none);
  }

  private checkFresh(inbound: InboundLink, noTickets = false): void {
    const credentials = this.host.credentials();
    if (noTickets) return this.takeNoCalls(inbound);
    inbound.noTickets = false;
    if (!credentials || inbound.signedBy?.equals(credentials.controllerKey)) return;
    if (inbound.nextTicket && credentials) {
      const ticket = inbound.nextTicket;
      inbound.nextTicket = undefined;
      this.renewed(inbound, ticket);
      if (inbound.closed || inbound.signedBy?.equals(credentials.controllerKey)) return;
    }
    inbound.stale ??= setTimeout(() => {
      if (inbound.closed) return;
      const why = `process '${shown(inbound.caller!.process)}' showed no ticket from the controller '${shown(this.host.processName)}' is connected to now`;
      this.log.info(`Direct link of '${shown(inbound.caller!.process)}' closed: it showed no ticket from the controller this node is connected to now`);
      for (const frame of inbound.held) this.answerError(inbound, frame, "PERMISSION_DENIED", why);
      inbound.held = [];
      inbound.writer.close(); // the refusals go out first
      inbound.closed = true;
      inbound.link.end();
    }, STALE_MS).unref();
  }

  private noDirectCalls(): string {
    return `process '${shown(this.host.processName)}' takes no direct calls now (its controller gives no tickets): call it through the controller`;
  }

  /** The controller gives no tickets: what the link holds, and what comes on it, goes back to be sent through the controller. */
  private takeNoCalls(inbound: InboundLink): void {
    inbound.noTickets = true;
    clearTimeout(inbound.stale);
    inbound.stale = undefined;
    const held = inbound.held;
    inbound.held = [];
    inbound.heldBytes = 0;
    for (const frame of held) this.answerError(inbound, frame, "NODE_DISCONNECTED", this.noDirectCalls(), REROUTE);
  }

  /** A fresh ticket from the caller (a renewal, or one from a restarted controller): its rules apply from now on, to the calls held too. */
  private renewed(inbound: InboundLink, ticket: unknown): void {
    if (!(ticket instanceof Uint8Array)) return this.refuse(inbound, "PROTOCOL", "a TICKET without a ticket");
    const credentials = this.host.credentials();
    const body = credentials ? readTicket(ticket, credentials.controllerKey) : "no controller now";
    if (!credentials || typeof body === "string") {
      // Perhaps from a controller this node has not met yet (it reconnects): looked at again when it has.
      if (ticket.length <= MAX_TICKET_BYTES) inbound.nextTicket = ticket;
      return;
    }
    if (body.process !== inbound.caller!.process || keyFingerprint(body.key) !== inbound.key) {
      return this.refuse(inbound, "PERMISSION_DENIED", "a TICKET for another process or key than the link's");
    }
    this.takeRules(inbound, body, credentials.controllerKey);
    if (!inbound.stale) return;
    clearTimeout(inbound.stale);
    inbound.stale = undefined;
    const held = inbound.held;
    inbound.held = [];
    inbound.heldBytes = 0;
    for (const frame of held) if (!inbound.closed) this.call(inbound, frame);
  }

  /** A call on a stale link waits for the caller's fresh ticket (bounded: beyond, OverloadedError). */
  private hold(inbound: InboundLink, frame: ReceivedFrame): void {
    // What the executor would refuse anyway is not kept; what is kept counts all it holds (its metadata, its names too).
    if (frame.name.length > MAX_NAME_LENGTH || frame.accept.length > MAX_ACCEPT_LENGTH || metadataTooLarge(frame.metadata) !== undefined) return this.call(inbound, frame);
    const bytes = heldBytesOf(frame);
    if (inbound.held.length >= MAX_HELD_CALLS || inbound.heldBytes + bytes > this.settings.maxQueuedBytes) {
      return this.answerError(inbound, frame, "OVERLOADED", `the direct link waits for a fresh ticket of '${shown(frame.source)}' and holds as many calls as it takes`, NOT_STARTED);
    }
    inbound.held.push(frame);
    inbound.heldBytes += bytes;
  }

  /** A CANCEL of a held call: it never runs. */
  private unhold(inbound: InboundLink, callId: number): boolean {
    const index = inbound.held.findIndex((frame) => frame.callId === callId);
    if (index < 0) return false;
    inbound.heldBytes -= heldBytesOf(inbound.held[index]!);
    inbound.held.splice(index, 1);
    return true;
  }

  /** A caller the registry did not list with its key at its PROOF: taken once it does; refused if it did not in time (`final`). */
  private admitListed(inbound: InboundLink, final: boolean): void {
    if (inbound.closed || !inbound.waiting) return;
    if (this.host.keyOf(inbound.caller!.process) === inbound.key) return this.open(inbound);
    if (final) this.refuse(inbound, "PERMISSION_DENIED", `the controller does not list process '${shown(inbound.caller!.process)}' with this key`);
  }

  /**
   * The registry changed: a caller whose process is now held by another key (a name taken over) loses
   * its link and the calls that came on it; one no longer listed at all loses it if it stays so for
   * UNLISTED_MS (a process that left with its ticket; not one reconnecting to a restarted controller).
   */
  revoke(): void {
    for (const inbound of this.links.values()) {
      if (inbound.waiting) this.admitListed(inbound, false);
      else this.revokeIfGone(inbound, false);
    }
  }

  private revokeIfGone(inbound: InboundLink, final: boolean): void {
    if (inbound.closed || !inbound.ready || !inbound.caller) return;
    const holder = this.host.keyOf(inbound.caller.process);
    if (holder === null || holder === inbound.key) {
      // Listed again: a later absence counts its 10 s from its own start.
      clearTimeout(inbound.unlisted);
      inbound.unlisted = undefined;
      return;
    }
    if (holder === undefined && !final) {
      inbound.unlisted ??= setTimeout(() => {
        inbound.unlisted = undefined;
        this.revokeIfGone(inbound, true);
      }, UNLISTED_MS).unref();
      return;
    }
    clearTimeout(inbound.unlisted);
    this.log.info(`Direct link of '${shown(inbound.caller.process)}' closed: the controller no longer lists that process with its key`);
    this.cut(inbound);
  }

  /** Ends a link at once (nothing more is written to it); its calls end. */
  private cut(inbound: InboundLink): void {
    inbound.closed = true;
    inbound.writer.abandon();
    inbound.link.abort();
  }

  /** The controller's rules, applied here: who may call what, what is served, contracts, room for answers. */
  private call(inbound: InboundLink, frame: ReceivedFrame): void {
    // Under the ticket's identity, when the controller enforces auth (currentCall().identity).
    frame.identity = inbound.caller!.enforced ? inbound.caller!.identity : "";
    if (frame.name.length > MAX_NAME_LENGTH) return this.answerError(inbound, frame, "PROTOCOL", `callback names are at most ${MAX_NAME_LENGTH} characters`);
    if (frame.accept.length > MAX_ACCEPT_LENGTH) return this.answerError(inbound, frame, "PROTOCOL", `a call accepts at most ${MAX_ACCEPT_LENGTH} characters of contract fingerprints`);
    const denied = inbound.identity!.refuseCall(frame.name);
    if (denied) return this.answerError(inbound, frame, denied.code, denied.message);
    const builtin = frame.name.startsWith(BUILTIN_PREFIX);
    if (!builtin && inbound.caller!.enforced && !this.host.registered(frame.name)) {
      return this.answerError(inbound, frame, "CALLBACK_NOT_FOUND", `process '${shown(this.host.processName)}' has no callback named '${shown(frame.name)}'`, NOT_STARTED);
    }
    const fingerprint = builtin || !frame.accept ? undefined : this.host.fingerprint(frame.name);
    if (fingerprint && !listed(frame.accept, fingerprint)) {
      return this.answerError(inbound, frame, "CONTRACT_MISMATCH", `the contract of '${shown(frame.name)}' here changed since the caller checked it`, { stale: true });
    }
    // A caller that does not take its answers gets no new work done for it.
    if (inbound.writer.heldBytes > this.settings.maxQueuedBytes) {
      return this.answerError(inbound, frame, "OVERLOADED", `${inbound.writer.heldBytes} bytes of answers wait for '${shown(frame.source)}' on its direct link: no room for more calls`, NOT_STARTED);
    }
    frame.target = "";
    this.host.run(frame);
  }

  private answerError(inbound: InboundLink, frame: ReceivedFrame, code: ErrorCode, message: string, data?: Record<string, unknown>): void {
    if (frame.mode === Mode.NO_RETURN) return this.warnThrottled(`Refused a NO_RETURN call of '${shown(frame.name)}' from '${shown(frame.source)}': ${shown(message, 400)}`);
    const error: WireError = { code, name: code, message, ...(data ? { data } : {}) };
    this.reply(inbound, { kind: Kind.ERROR, callId: frame.callId, source: this.host.processName, payload: encode(error) });
  }

  private warnThrottled(message: string): void {
    const line = this.refusals.admit(message);
    if (line) this.log.warn(line);
  }

  private reply(inbound: InboundLink, frame: Frame): void {
    inbound.writer.send(frame);
    this.checkHeld(inbound);
  }

  /** The caller is refused: it learns why, and the link ends. */
  private refuse(inbound: InboundLink, code: ErrorCode, message: string): void {
    this.warnThrottled(`Refused a direct link from ${inbound.link.peer}: ${shown(message, 400)}`);
    const error: WireError = { code, name: code, message };
    inbound.writer.send({ kind: Kind.ERROR, callId: 0, source: this.host.processName, payload: encode(error) });
    inbound.closed = true;
    inbound.writer.close();
    inbound.link.end();
  }

  /**
   * A caller that does not read its answers is cut off, as the controller cuts off a node: beyond
   * four times maxQueuedBytes at once, beyond it when nothing was taken for two heartbeats.
   */
  private checkHeld(inbound: InboundLink): void {
    const held = inbound.writer.heldBytes;
    if (held <= this.settings.maxQueuedBytes || inbound.closed) return;
    const hard = 4 * Math.max(this.settings.maxQueuedBytes, this.settings.maxMessageSize);
    if (held <= hard && inbound.writer.stalledMs() <= 2 * this.settings.heartbeatMs) return;
    this.log.warn(`Caller '${shown(inbound.caller?.process ?? inbound.link.peer)}' does not read what is sent to it on its direct link (${held} bytes wait): the link is cut`);
    this.cut(inbound);
  }

  private takeIncarnation(): number {
    let number = this.nextIncarnation;
    while (this.links.has(number)) number = number >= DIRECT_INCARNATION_MAX ? DIRECT_INCARNATION_BASE : number + 1;
    this.nextIncarnation = number >= DIRECT_INCARNATION_MAX ? DIRECT_INCARNATION_BASE : number + 1;
    return number;
  }
}
