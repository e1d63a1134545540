// daffi on NATS: no controller. Each process runs a hub in place of one: its node connects to it in
// memory, as to the controller of its own process, and the hub's router sees every other process of
// the system as a session whose link is NATS (runtime/nats/NatsLink.ts). Presence, claims of names
// and heartbeats travel on the namespace's subjects (runtime/nats/subjects.ts); docs/PROTOCOL.md,
// "daffi on NATS", tells the whole mapping.
import { randomBytes } from "node:crypto";
import type { Msg, NatsConnection, PermissionViolationError } from "@nats-io/transport-node";
import { type SessionLimits, attachSession, sessionBounds, toRouter } from "../controller/attachSession";
import { NodeSession } from "../controller/NodeSession";
import { Router } from "../controller/Router";
import { NodeDisconnectedError, PermissionDeniedError, ProcessNameInUseError } from "../errors/DaffiError";
import { NOT_STARTED } from "../errors/notStarted";
import type { WireError } from "../errors/wireError";
import { type LocalEnd, localLink } from "../link/localLink";
import type { Link } from "../link/Link";
import type { Logger } from "../log/Logger";
import { shown } from "../log/shown";
import { Throttle } from "../log/Throttle";
import { decodeBatch, encodeBatch } from "../wire/batchCodec";
import { DEFAULT_HEARTBEAT_SECONDS, DEFAULT_MAX_MESSAGE_BYTES } from "../wire/channelOptions";
import { encode } from "../wire/codec";
import type { ReceivedFrame } from "../wire/Frame";
import { FrameWriter } from "../wire/FrameWriter";
import { Kind, Mode } from "../wire/Kind";
import { type Envelope, ENVELOPE_BYTES, envelopeHeader, newLinkId, openEnvelope, RESET } from "./envelope";
import { NatsLink } from "./NatsLink";
import type { NatsOptions } from "./NatsOptions";
import { type Announcement, MAX_UNREACHABLE, encodeAlive, encodeAnnouncement, encodeClaim, readAlive, readAnnouncement, readBye, readClaim } from "./presence";
import { DEFAULT_NAMESPACE, lastName, nameOfToken, Subjects } from "./subjects";

/** A claim of a name waits this long for its holder (or a rival claimant) to answer. */
const CLAIM_MS = 300;
/** Processes known at once, at most: beyond, announcements are not taken. */
const MAX_PEERS = 10_000;
/** Connections that left, remembered so that a late announcement of theirs does not bring them back. */
const MAX_RETIRED = 4096;
/**
 * Below this many bytes published since the last flush, a message counts as taken at once; beyond,
 * writes wait for the server to confirm what came before (a flush): the bytes held for a process
 * that NATS has not taken are counted (new calls to it need room), and memory stays bounded.
 */
const FLUSH_AFTER_BYTES = 1024 * 1024;
/** After a reconnection, the node waits at most this long (or a heartbeat) for the processes it knew to be back. */
const SETTLE_MS = 2000;
/**
 * Frames for this process's node while it is away (reconnecting after NATS came back) wait for it,
 * at most this long and this much; beyond, they go on at once (their calls are refused, not run).
 */
const HOLD_MS = 5000;
const MAX_HELD_FRAMES = 10_000;
const MAX_HELD_BYTES = 16 * 1024 * 1024;
/** The first connection is tried this often, each attempt waiting this long for a server. */
const RETRY_MS = 250;
const CONNECT_ATTEMPT_MS = 2000;
/** A process the server does not let this one send to is left alone this long, then tried again. */
const UNREACHABLE_MS = 30_000;
/** Frames from a connection not announced yet wait this long for its announcement, within these bounds. */
const STRANGER_MS = 1000;
const MAX_STRANGERS = 256;
const MAX_STRANGER_BYTES = 16 * 1024 * 1024;
/** What a kept message or frame counts for beyond its bytes (its objects). */
const MESSAGE_OVERHEAD = 256;
/** A process answers requests for its announcement (`hello`, `sync`) at most this often. */
const ANSWER_EVERY_MS = 200;
/** A process is asked for its announcement at most this often. */
const SYNC_EVERY_MS = 1000;

/** One other process of the system, as this hub knows it. */
interface Peer {
  readonly announcement: Announcement;
  readonly session: NodeSession;
  readonly link: NatsLink;
  readonly writer: FrameWriter;
  lastHeard: number;
}

export class NatsHub {
  readonly router: Router;
  private nc?: NatsConnection;
  private readonly subjects: Subjects;
  /** The node of this process (in memory), with the way to end its link gracefully. */
  private readonly streams = new Map<Link, () => void>();
  /** By connection and name (`peerKey`): a connection id another process announces as its own names nobody else. */
  private readonly peers = new Map<string, Peer>();
  private readonly peersByName = new Map<string, Peer>();
  /** Connections that said goodbye (or were replaced): a late announcement of theirs is not taken. */
  private readonly retired = new Set<string>();
  /**
   * Processes dropped for their silence, by name (the latest only: one name holds one entry), with
   * their announcement: one that speaks again on that connection is taken back, afresh on both sides.
   */
  private readonly silent = new Map<string, Announcement>();
  private readonly syncAsked = new Map<string, number>();
  /** This process, across reconnections; and its connection to NATS now (a new id on each reconnection). */
  private readonly process = randomBytes(8).toString("hex");
  private link = newLinkId();
  private seq = 0;
  private announced = { callbacks: [] as string[], fingerprints: [] as string[] };
  /** Processes the server refused this one to publish to, until when (announced: they do not call it meanwhile). */
  private readonly unreachable = new Map<string, number>();
  private unreachableTimer?: NodeJS.Timeout;
  private claiming = false;
  /** Connected to a NATS server now; while not, the node has no link here and nothing is published. */
  private online = false;
  /** The node may connect (online, and settled after a reconnection). */
  private open = false;
  /** Processes known when the server went: the node waits for them (up to SETTLE_MS) when it is back. */
  private readonly awaited = new Set<string>();
  private settling?: NodeJS.Timeout;
  private holdsName = false;
  private started = false;
  private stopped = false;
  private timers: NodeJS.Timeout[] = [];
  private readonly heartbeatMs: number;
  private readonly dropped = new Throttle();
  /** Frames from peers that came while the node was away, in order, for it once back. */
  private held: Array<{ peer: Peer; frames: ReceivedFrame[] }> = [];
  private heldFrames = 0;
  private heldBytes = 0;
  private holdTimer?: NodeJS.Timeout;
  /** Why the first connection has not been made yet (shown when the start times out). */
  lastError?: Error;
  private retrying?: () => void;
  /** From NATS's client, once loaded. */
  private isPermissionError: (error: unknown) => error is PermissionViolationError = (_error): _error is PermissionViolationError => false;
  private createInbox: () => string = () => "";

  constructor(
    private readonly options: NatsOptions,
    private readonly processName: string,
    private readonly log: Logger,
    private readonly limits: SessionLimits = {},
  ) {
    this.subjects = new Subjects(options.namespace ?? DEFAULT_NAMESPACE);
    this.heartbeatMs = (limits.heartbeat ?? DEFAULT_HEARTBEAT_SECONDS) * 1000;
    this.router = new Router(processName, log, undefined, false);
    this.router.passage = "NATS: above the servers' max_payload (or maxMessageSize)";
  }

  /** Connects to NATS (waiting for a server to answer), claims the process name across the system, and announces this process. */
  async start(): Promise<void> {
    // Loaded when used: a process on a controller never loads NATS's client.
    const nats = require("@nats-io/transport-node") as typeof import("@nats-io/transport-node");
    this.isPermissionError = (error): error is PermissionViolationError => error instanceof nats.PermissionViolationError;
    this.createInbox = nats.createInbox;
    const nc = await this.connect(nats, true);
    if (!nc) return;
    if (this.stopped) {
      await nc.close();
      return;
    }
    await this.attach(nats, nc);
    nc.publish(this.subjects.hello);
    await this.claimName(nc);
    if (this.stopped) return;
    this.holdsName = true;
    this.started = true;
    this.online = true;
    this.open = true;
    this.announce();
    this.router.onRegistryChange(() => this.localChanged());
    const tick = Math.max(25, Math.floor(this.heartbeatMs / 4));
    this.timers.push(setInterval(() => this.heartbeat(), tick), setInterval(() => this.sweep(), tick));
    for (const timer of this.timers) timer.unref();
    this.log.info(`Connected to NATS at ${nc.getServer()} as '${shown(this.processName)}' (namespace '${this.subjects.namespace}')`);
  }

  /** Takes `nc` as the connection of now: watches its life and subscribes to this process's subjects. */
  private async attach(nats: typeof import("@nats-io/transport-node"), nc: NatsConnection): Promise<void> {
    this.nc = nc;
    void this.watch(nc);
    void nc.closed().then(() => this.renew(nats, nc), () => this.renew(nats, nc));
    const on = (subject: string, handle: (msg: Msg) => void) =>
      nc.subscribe(subject, {
        callback: (error, msg) => {
          if (this.isPermissionError(error)) this.subscribeRefused ??= error.message;
          if (error || this.stopped) return;
          try {
            handle(msg);
          } catch (thrown) {
            this.warn(`Dropped a NATS message on ${shown(msg.subject)} that could not be handled: ${String(thrown)}`);
          }
        },
      });
    on(this.subjects.framesFor(this.processName), (msg) => this.onFrames(msg));
    on(this.subjects.ofAll("presence"), (msg) => this.onAnnouncement(msg));
    on(this.subjects.ofAll("alive"), (msg) => this.onAlive(msg));
    on(this.subjects.ofAll("bye"), (msg) => this.onBye(msg));
    on(this.subjects.hello, () => this.announceSoon());
    on(this.subjects.sync(this.processName), () => this.announceSoon());
    on(this.subjects.claim(this.processName), (msg) => this.onClaim(msg));
    await nc.flush().catch(() => undefined);
  }

  /**
   * The first connection: tried again every RETRY_MS until a server answers or the hub stops (a
   * start that times out stops it, so that nothing goes on trying). Credentials a server refuses
   * end a `first` start at once; later (a connection that ended for good), they are tried again.
   * Once connected, NATS's client reconnects by itself, for ever, refused credentials included.
   */
  private async connect(nats: typeof import("@nats-io/transport-node"), first: boolean): Promise<NatsConnection | undefined> {
    const { servers, token, user, pass, tls } = this.options;
    while (!this.stopped) {
      try {
        return await nats.connect({
          servers,
          name: this.processName,
          ...(token !== undefined ? { token } : {}),
          ...(user !== undefined ? { user, pass } : {}),
          ...(tls !== undefined ? { tls } : {}),
          timeout: CONNECT_ATTEMPT_MS,
          maxReconnectAttempts: -1,
          // A server that refuses the credentials for a while (rotation, a restart with other rules) is tried again.
          ignoreAuthErrorAbort: true,
          reconnectTimeWait: RETRY_MS,
          pingInterval: Math.min(this.heartbeatMs, 30_000),
          maxPingOut: 2,
          // Its own announcements and heartbeats are not sent back to it.
          noEcho: true,
        });
      } catch (error) {
        const reason = `${servers.join(", ")}: ${error instanceof Error ? error.message : String(error)}`;
        if (error instanceof nats.AuthorizationError && first) throw new PermissionDeniedError(`NATS refused this process's credentials at ${reason}`);
        this.lastError = new NodeDisconnectedError(`could not connect to NATS at ${reason}`);
        if (!first && !this.renewWarned) {
          this.renewWarned = true;
          this.log.warn(`Could not connect to NATS again: ${reason}; trying every ${RETRY_MS} ms`);
        }
        await new Promise<void>((resolve) => {
          this.retrying = resolve;
          setTimeout(resolve, RETRY_MS).unref();
        });
      }
    }
    return undefined;
  }

  /** The node of this process connects here, in memory; undefined once the hub stopped. */
  connectLocal(): LocalEnd | undefined {
    if (this.stopped || !this.started || !this.open) return undefined;
    const [nodeEnd, hubEnd] = localLink();
    attachSession(this.router, hubEnd, this.limits, this.log, true, this.streams);
    return nodeEnd;
  }

  /**
   * Refuses new calls, lets those in flight finish (up to `drainMs`), says goodbye, ends the node's
   * link and closes the NATS connection after what it has to send (forcibly after `graceMs`).
   */
  async stop(drainMs = 5000, graceMs = 2000): Promise<void> {
    if (this.stopped) return;
    const nc = this.nc;
    if (this.started) {
      this.router.refuseNewCalls();
      const deadline = Date.now() + drainMs;
      while (this.router.busy && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.stopped = true;
    this.retrying?.();
    clearTimeout(this.settling);
    clearTimeout(this.holdTimer);
    clearTimeout(this.unreachableTimer);
    clearTimeout(this.answerTimer);
    for (const key of [...this.strangers.keys()]) this.strangerGone(key);
    for (const timer of this.timers) clearInterval(timer);
    if (nc && !nc.isClosed()) nc.publish(this.subjects.bye(this.processName), encode({ name: this.processName, link: this.link }));
    for (const end of this.streams.values()) end();
    this.release();
    for (const peer of [...this.peers.values()]) this.drop(peer, "this process stops", false);
    if (!nc) return;
    const drained = nc.drain().catch(() => undefined);
    const timeout = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([drained, timeout]);
    if (!nc.isClosed()) await nc.close().catch(() => undefined);
    this.log.info("Disconnected from NATS.");
  }

  /**
   * The connection's life: a lost server is a new connection (its calls end), a server back is
   * announced. A connection that ends for good (NATS's client gave up) is replaced by a new one.
   */
  private async watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (this.stopped) return;
      if (status.type === "disconnect") this.natsLost();
      else if (status.type === "reconnect") this.natsBack(nc);
      else if (status.type === "error" && this.isPermissionError(status.error)) this.refused(status.error);
    }
  }

  private renewWarned = false;

  private async renew(nats: typeof import("@nats-io/transport-node"), nc: NatsConnection): Promise<void> {
    if (this.stopped || this.nc !== nc || !this.started) return;
    this.natsLost();
    this.log.warn("The NATS connection ended for good; connecting anew");
    const next = await this.connect(nats, false);
    if (!next) return;
    if (this.stopped) return void next.close().catch(() => undefined);
    this.renewWarned = false;
    await this.attach(nats, next);
    if (this.subscribeRefused !== undefined) this.log.error(`The NATS server does not let '${shown(this.processName)}' subscribe to what it needs: ${shown(this.subscribeRefused, 400)}`);
    this.natsBack(next);
  }

  /**
   * The NATS server is gone (the client is finding another): this process is cut off from the
   * others, as a node that lost its controller. What was in flight with them may be lost either
   * way, so those calls end with NodeDisconnectedError, here and (when they hear of this process's
   * new connection) there. The node's link ends: its new calls wait for the connection to come
   * back, as they wait for a controller. Nothing is published meanwhile.
   */
  private natsLost(): void {
    if (!this.online) return;
    this.online = false;
    this.open = false;
    clearTimeout(this.settling);
    this.link = newLinkId();
    this.log.warn("Lost the NATS server: calls in flight with other processes fail (NodeDisconnectedError); reconnecting");
    for (const peer of this.peers.values()) this.awaited.add(peer.announcement.name);
    for (const peer of [...this.peers.values()]) this.drop(peer, "", false);
    for (const end of this.streams.values()) end();
  }

  /**
   * Back on NATS (perhaps another server). The others hear of this process's new connection (with
   * what its node served, which comes back too) and answer `hello` with their announcements (on
   * their connections of now, which may be new too); the node is let back once those it knew are
   * there again (or after SETTLE_MS), so that its calls waiting meanwhile find their providers.
   */
  private natsBack(nc: NatsConnection): void {
    if (this.online || this.stopped) return;
    this.online = true;
    this.log.info(`Reconnected to NATS at ${nc.getServer()}`);
    this.announce();
    nc.publish(this.subjects.hello);
    this.settling = setTimeout(() => this.reopen(), Math.min(SETTLE_MS, this.heartbeatMs));
    this.settling.unref();
    this.reopenWhenSettled();
  }

  /** The node may connect again: every process it knew before the loss is known again. */
  private reopenWhenSettled(): void {
    if (!this.online || this.open) return;
    for (const name of this.awaited) if (!this.peersByName.has(name)) return;
    this.reopen();
  }

  private reopen(): void {
    clearTimeout(this.settling);
    this.awaited.clear();
    if (!this.online || this.stopped) return;
    this.open = true;
    this.onReopen?.();
  }

  /** Called when the node may connect again after a reconnection (Global: the node tries at once). */
  onReopen?: () => void;

  /**
   * The server would not carry a message of this hub (its permissions). Frames for a process: the
   * calls in flight to it end with PermissionDeniedError (each message to it is refused alike).
   */
  private refused(error: PermissionViolationError): void {
    const target = error.operation === "publish" ? this.targetOf(error.subject) : undefined;
    this.warn(`The NATS server refused to ${error.operation === "publish" ? "publish on" : "subscribe to"} ${shown(error.subject)} (its permissions)`);
    if (target === undefined) return;
    // Neither its calls nor its answers can go there: the calls both ways end, and the other side is told (the announcement).
    const fresh = !this.unreachable.has(target);
    this.unreachable.delete(target);
    this.unreachable.set(target, Date.now() + UNREACHABLE_MS);
    if (this.unreachable.size > MAX_UNREACHABLE) this.unreachable.delete(this.unreachable.keys().next().value!);
    const peer = this.peersByName.get(target);
    if (peer) {
      this.router.failCalls(peer.session, "PERMISSION_DENIED", `the NATS server's permissions do not let '${shown(this.processName)}' send to '${shown(target)}'`);
      this.drop(peer, "the NATS server does not let this process send to it", false);
    }
    if (fresh) {
      this.seq++;
      this.announce();
    }
    if (!this.unreachableTimer) {
      this.unreachableTimer = setTimeout(() => this.retryUnreachable(), UNREACHABLE_MS);
      this.unreachableTimer.unref();
    }
  }

  /** Past their time, processes refused are tried again (permissions may have changed). */
  private retryUnreachable(): void {
    this.unreachableTimer = undefined;
    if (this.stopped) return;
    const now = Date.now();
    let changed = false;
    for (const [name, until] of [...this.unreachable]) {
      if (until > now) continue;
      this.unreachable.delete(name);
      changed = true;
      this.askSync(name);
    }
    if (changed) {
      this.seq++;
      this.announce();
    }
    if (this.unreachable.size > 0) {
      this.unreachableTimer = setTimeout(() => this.retryUnreachable(), UNREACHABLE_MS);
      this.unreachableTimer.unref();
    }
  }

  /** The process a frames subject of this hub's goes to. */
  private targetOf(subject: string): string | undefined {
    const prefix = `${this.subjects.namespace}.p.`;
    if (!subject.startsWith(prefix)) return undefined;
    const [target, source] = subject.slice(prefix.length).split(".");
    return source !== undefined && nameOfToken(source) === this.processName ? nameOfToken(target!) : undefined;
  }

  /** Claims the process name: refused when a live process holds it, or a rival with a smaller id claims it at the same time. */
  private async claimName(nc: NatsConnection): Promise<void> {
    const inbox = this.createInbox();
    let refusedBy: string | undefined;
    const sub = nc.subscribe(inbox, {
      callback: (error, msg) => {
        const claim = error ? undefined : readClaim(msg.data);
        if (claim && claim.process !== this.process && (claim.held || claim.process < this.process)) refusedBy = claim.process;
      },
    });
    this.claiming = true;
    try {
      await nc.flush();
      nc.publish(this.subjects.claim(this.processName), encodeClaim({ process: this.process, held: false }), { reply: inbox });
      await new Promise((resolve) => setTimeout(resolve, CLAIM_MS));
    } finally {
      this.claiming = false;
      sub.unsubscribe();
    }
    if (this.subscribeRefused !== undefined) {
      throw new PermissionDeniedError(`the NATS server does not let '${shown(this.processName)}' subscribe to what it needs: ${shown(this.subscribeRefused, 400)}`);
    }
    if (refusedBy !== undefined || this.rivalSeen) {
      throw new ProcessNameInUseError(`process name '${shown(this.processName)}' is already used by a process on NATS (namespace '${this.subjects.namespace}')`);
    }
  }

  /** Another process announced this process's name. */
  private rivalSeen = false;
  /** The server refused a subscription of this hub (its permissions): it cannot take part. */
  private subscribeRefused?: string;

  private onClaim(msg: Msg): void {
    const claim = readClaim(msg.data);
    if (!claim || claim.process === this.process || !msg.reply) return;
    if (this.holdsName) msg.respond(encodeClaim({ process: this.process, held: true }));
    else if (this.claiming) msg.respond(encodeClaim({ process: this.process, held: false }));
  }

  private announcement(): Announcement {
    const unreachable = [...this.unreachable.keys()].slice(0, MAX_UNREACHABLE);
    return { name: this.processName, process: this.process, link: this.link, seq: this.seq, heartbeatMs: this.heartbeatMs, ...this.announced, ...(unreachable.length > 0 ? { unreachable } : {}) };
  }

  /**
   * An announcement asked for (`hello`, `sync`): at most one per ANSWER_EVERY_MS, however many ask
   * (anyone may ask; each answer goes to every process).
   */
  private announceSoon(): void {
    if (this.answerTimer) return;
    const wait = Math.max(0, this.answeredAt + ANSWER_EVERY_MS - Date.now());
    this.answerTimer = setTimeout(() => {
      this.answerTimer = undefined;
      this.answeredAt = Date.now();
      this.announce();
    }, wait);
    this.answerTimer.unref();
  }

  private answerTimer?: NodeJS.Timeout;
  private answeredAt = 0;

  private announce(): void {
    if (!this.started || this.stopped || !this.online || !this.nc || this.nc.isClosed()) return;
    this.nc.publish(this.subjects.presence(this.processName), encodeAnnouncement(this.announcement()));
  }

  private heartbeat(): void {
    if (this.stopped || !this.online || !this.nc || this.nc.isClosed()) return;
    this.nc.publish(this.subjects.alive(this.processName), encodeAlive({ name: this.processName, process: this.process, link: this.link, seq: this.seq }));
  }

  /** What the node of this process serves changed: the others hear it. */
  private localChanged(): void {
    const local = this.router.session(this.processName);
    if (local && this.held.length > 0) this.release();
    // Its link ended because NATS went: what it serves is announced again once it is back, unchanged meanwhile.
    if (!local && !this.open) return;
    const callbacks = local?.callbacks ?? [];
    const fingerprints = callbacks.map((name) => local?.fingerprints.get(name) ?? "");
    const changed = !sameList(callbacks, this.announced.callbacks) || !sameList(fingerprints, this.announced.fingerprints);
    if (changed) {
      this.announced = { callbacks, fingerprints };
      this.seq++;
    }
    if (changed) this.announce();
  }

  /** An announcement on the subject of its own name (NATS permissions may pin who speaks for which). */
  private onAnnouncement(msg: Msg): void {
    const announcement = readAnnouncement(msg.data);
    if (!announcement || lastName(msg.subject) !== announcement.name) return;
    if (announcement.name === this.processName) {
      if (announcement.process !== this.process) {
        this.rivalSeen = true;
        if (this.holdsName) this.warn(`Another process announces the name '${shown(this.processName)}' on NATS: its calls may reach either`);
      }
      return;
    }
    const known = this.peersByName.get(announcement.name);
    if (announcement.unreachable?.includes(this.processName) || this.unreachable.has(announcement.name)) {
      // It may not send to this process (or this one to it): no calls between them, either way, while so.
      if (announcement.unreachable?.includes(this.processName)) {
        if (this.shunnedBy.size >= MAX_PEERS) this.shunnedBy.clear();
        this.shunnedBy.set(announcement.name, { link: announcement.link, seq: announcement.seq });
      }
      if (known) {
        this.router.failCalls(known.session, "PERMISSION_DENIED", `the NATS server's permissions do not let '${shown(announcement.name)}' answer '${shown(this.processName)}' (the call may have run there)`);
        this.drop(known, "the NATS server does not let it send to this process", false);
      }
      return;
    }
    if (known && known.announcement.link === announcement.link) {
      known.lastHeard = Date.now();
      if (announcement.seq > known.announcement.seq) {
        Object.assign(known.announcement, { seq: announcement.seq, callbacks: announcement.callbacks, fingerprints: announcement.fingerprints });
        this.router.update(known.session, announcement);
      }
      return;
    }
    if (this.silent.get(announcement.name)?.link === announcement.link) return this.revive(announcement);
    if (this.retired.has(peerKey(announcement.link, announcement.name))) return;
    if (known) this.drop(known, known.announcement.process === announcement.process ? "it reconnected to NATS" : "another process took its name");
    this.join(announcement, Date.now());
  }

  /** A process this hub did not know: a session of the router, its link on NATS. */
  private join(announcement: Announcement, lastHeard: number): void {
    const nc = this.nc;
    if (!nc || this.peers.size >= MAX_PEERS) return;
    if (announcement.unreachable?.includes(this.processName) || this.unreachable.has(announcement.name)) return;
    // Back (on another connection, or revived): what was remembered of its silence or its refusal is over.
    this.silent.delete(announcement.name);
    this.shunnedBy.delete(announcement.name);
    const subject = this.subjects.frames(announcement.name, this.processName);
    const maxPayload = nc.info?.max_payload ?? DEFAULT_MAX_MESSAGE_BYTES;
    const link = new NatsLink(
      (message, done) => this.publish(subject, message, done),
      envelopeHeader(this.link, announcement.link),
      `nats:${announcement.name}`,
      () => nc.info?.max_payload ?? maxPayload,
      (reason) => queueMicrotask(() => this.drop(peer, `NATS did not take a message for it: ${reason}`, false)),
    );
    const writer = new FrameWriter(link, Math.min(this.limits.maxMessageSize ?? DEFAULT_MAX_MESSAGE_BYTES, maxPayload - ENVELOPE_BYTES));
    const overflow = (_session: NodeSession, why: string) => queueMicrotask(() => this.drop(peer, `NATS does not take what is sent to it (${why})`, false));
    const session = new NodeSession(writer, () => link.end(), link.peer, { local: false }, sessionBounds(this.limits, overflow));
    if (!this.router.join(session, announcement.name, announcement)) return;
    link.on("data", toRouter(this.router, session, (line) => this.warn(line)));
    const peer: Peer = { announcement: { ...announcement }, session, link, writer, lastHeard };
    this.peers.set(peerKey(announcement.link, announcement.name), peer);
    this.peersByName.set(announcement.name, peer);
    this.log.info(`Node '${shown(announcement.name)}' has been connected (NATS)`);
    this.reopenWhenSettled();
    this.strangerKnown(peerKey(announcement.link, announcement.name));
  }

  /**
   * Frames from a connection not announced yet (it knows this process; its announcement was lost
   * while this process was reconnecting, or is on its way): kept for STRANGER_MS while it is asked
   * for its announcement, then taken as its own; if it does not come, its calls are answered as not run.
   */
  private fromStranger(sender: string, envelope: Envelope, msg: FramesMessage): void {
    const key = peerKey(envelope.source, sender);
    let waiting = this.strangers.get(key);
    if (!waiting) {
      if (this.strangers.size >= MAX_STRANGERS) return this.unknownSender(msg.subject, envelope, "a connection this process does not know (new, or lost)");
      waiting = { messages: [], timer: setTimeout(() => this.strangerGone(key), STRANGER_MS) };
      waiting.timer.unref();
      this.strangers.set(key, waiting);
      this.syncAsked.delete(sender);
      this.askSync(sender);
    }
    const cost = msg.data.length + MESSAGE_OVERHEAD;
    if (this.strangerBytes + cost > MAX_STRANGER_BYTES) return this.unknownSender(msg.subject, envelope, "a connection this process does not know (new, or lost)");
    // A copy: the message is a view of the connection's read buffer, which it would keep whole.
    waiting.messages.push({ subject: msg.subject, data: Buffer.from(msg.data) });
    this.strangerBytes += cost;
  }

  /** A connection whose frames waited announced itself: they are taken, in order. */
  private strangerKnown(key: string): void {
    const waiting = this.strangers.get(key);
    if (!waiting) return;
    this.forgetStranger(key, waiting);
    for (const msg of waiting.messages) this.onFrames(msg);
  }

  /** It did not announce itself in time: its calls are answered as not run. */
  private strangerGone(key: string): void {
    const waiting = this.strangers.get(key);
    if (!waiting) return;
    this.forgetStranger(key, waiting);
    for (const msg of waiting.messages) {
      const envelope = openEnvelope(msg.data);
      if (envelope) this.unknownSender(msg.subject, envelope, "a connection this process does not know (new, or lost)");
    }
  }

  private forgetStranger(key: string, waiting: { messages: FramesMessage[]; timer: NodeJS.Timeout }): void {
    clearTimeout(waiting.timer);
    this.strangers.delete(key);
    for (const msg of waiting.messages) this.strangerBytes -= msg.data.length + MESSAGE_OVERHEAD;
  }

  private readonly strangers = new Map<string, { messages: FramesMessage[]; timer: NodeJS.Timeout }>();
  private strangerBytes = 0;

  /** The process is gone (or this hub's connection is new): its calls end on both sides, it leaves the registry. */
  private drop(peer: Peer, why: string, retire = true): void {
    const key = peerKey(peer.announcement.link, peer.announcement.name);
    if (this.peers.get(key) !== peer) return;
    this.peers.delete(key);
    if (this.peersByName.get(peer.announcement.name) === peer) this.peersByName.delete(peer.announcement.name);
    if (retire) {
      this.retired.add(key);
      if (this.retired.size > MAX_RETIRED) this.retired.delete(this.retired.values().next().value!);
    }
    peer.session.closed = true;
    peer.writer.close();
    peer.link.end();
    this.router.leave(peer.session);
    if (why) this.log.info(`Node '${shown(peer.announcement.name)}' has been disconnected (${why})`);
  }

  private onAlive(msg: Msg): void {
    const alive = readAlive(msg.data);
    if (!alive || alive.name === this.processName || lastName(msg.subject) !== alive.name) return;
    const key = peerKey(alive.link, alive.name);
    const peer = this.peers.get(key);
    if (peer) {
      peer.lastHeard = Date.now();
      if (alive.seq > peer.announcement.seq) this.askSync(alive.name);
    } else if (this.silent.get(alive.name)?.link === alive.link) {
      this.revive(this.silent.get(alive.name)!);
    } else if (!this.retired.has(key) && !this.unreachable.has(alive.name) && !this.stillShuns(alive)) {
      this.askSync(alive.name);
    }
  }

  private onBye(msg: Msg): void {
    const bye = readBye(msg.data);
    const peer = bye && this.peers.get(peerKey(bye.link, bye.name));
    if (peer && peer.announcement.name === bye.name && lastName(msg.subject) === bye.name) this.drop(peer, "it stopped");
  }

  /** Its latest announcement said it may not send to this process, and it has not changed since. */
  private stillShuns(alive: { name: string; link: string; seq: number }): boolean {
    const shunned = this.shunnedBy.get(alive.name);
    return shunned !== undefined && shunned.link === alive.link && alive.seq <= shunned.seq;
  }

  /** Processes whose announcement says they may not send to this one: their connection and version then. */
  private readonly shunnedBy = new Map<string, { link: string; seq: number }>();

  /** Asks a process for its announcement, at most once a second. */
  private askSync(name: string): void {
    const now = Date.now();
    if ((this.syncAsked.get(name) ?? 0) > now - SYNC_EVERY_MS) return;
    if (this.syncAsked.size > MAX_PEERS) this.syncAsked.clear();
    this.syncAsked.set(name, now);
    this.nc?.publish(this.subjects.sync(name));
  }

  /** Publishes frames; `done` once NATS took them (at once below FLUSH_AFTER_BYTES, else at the next flush). */
  private publish(subject: string, message: Uint8Array, done?: () => void): void {
    const nc = this.nc;
    if (!nc || nc.isClosed()) {
      if (done) queueMicrotask(done);
      return;
    }
    nc.publish(subject, message);
    this.unflushed += message.length;
    if (!done) return;
    if (this.unflushed < FLUSH_AFTER_BYTES && !this.flushing) {
      queueMicrotask(done);
      return;
    }
    this.flushWaiters.push(done);
    if (!this.flushing) this.flush(nc);
  }

  private unflushed = 0;
  private flushing = false;
  private flushWaiters: Array<() => void> = [];

  /** Waits for the server to have everything published so far; then what waited on it is done, and the next flush starts if some wait. */
  private flush(nc: NatsConnection): void {
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    this.unflushed = 0;
    this.flushing = true;
    const finish = () => {
      this.flushing = false;
      for (const done of waiters) done();
      if (this.flushWaiters.length > 0 && !nc.isClosed()) this.flush(nc);
      else for (const done of this.flushWaiters.splice(0)) done();
    };
    nc.flush().then(finish, finish);
  }

  /** A process silent for longer than its heartbeat is gone. */
  private sweep(): void {
    const now = Date.now();
    for (const peer of [...this.peers.values()]) {
      if (now - peer.lastHeard <= peer.announcement.heartbeatMs) continue;
      this.drop(peer, `silent for ${Math.round((now - peer.lastHeard) / 100) / 10} s`, false);
      this.silent.delete(peer.announcement.name);
      this.silent.set(peer.announcement.name, peer.announcement);
      if (this.silent.size > MAX_RETIRED) this.silent.delete(this.silent.keys().next().value!);
    }
  }

  /**
   * A process dropped for its silence speaks again (it was slow, not gone): its calls with this
   * process ended here, so it is told to end them too (RESET), and both start afresh.
   */
  private revive(announcement: Announcement): void {
    this.silent.delete(announcement.name);
    const nc = this.nc;
    if (!nc || this.peersByName.has(announcement.name)) return;
    nc.publish(this.subjects.frames(announcement.name, this.processName), envelopeHeader(this.link, announcement.link, RESET));
    this.join(announcement, Date.now());
    this.log.info(`Node '${shown(announcement.name)}' is back after its silence: its calls with this process were ended`);
  }

  /** Frames for this process: from a known connection, to this one, and only what a peer may send. */
  private onFrames(msg: FramesMessage): void {
    const envelope = openEnvelope(msg.data);
    if (!envelope) return;
    // For an earlier connection of this process: its calls are answered, not left to wait.
    if (envelope.destination !== this.link) return envelope.kind === RESET ? undefined : this.unknownSender(msg.subject, envelope, "an earlier connection of this process");
    // The subject names the sender (NATS permissions can pin it): a peer is its connection under that name.
    const sender = lastName(msg.subject);
    const peer = sender === undefined ? undefined : this.peers.get(peerKey(envelope.source, sender));
    if (!peer) {
      const silent = sender === undefined ? undefined : this.silent.get(sender);
      if (silent && silent.link === envelope.source) this.revive(silent);
      if (envelope.kind === RESET) return;
      if (sender !== undefined && !silent && !this.retired.has(peerKey(envelope.source, sender))) return this.fromStranger(sender, envelope, msg);
      return this.unknownSender(msg.subject, envelope, "a connection this process does not know (new, or lost)");
    }
    if (envelope.kind === RESET) {
      // It had dropped this process for a silence: the calls between the two end on this side too.
      this.drop(peer, "", false);
      this.join(peer.announcement, Date.now());
      return this.log.info(`Node '${shown(peer.announcement.name)}' had lost this process for a while: the calls between them were ended`);
    }
    let frames: ReceivedFrame[];
    try {
      frames = decodeBatch(envelope.batch);
    } catch (error) {
      return this.warn(`Dropped a message from '${shown(peer.announcement.name)}' that is not a batch of frames: ${String(error)}`);
    }
    peer.lastHeard = Date.now();
    const taken: ReceivedFrame[] = [];
    for (const frame of frames) {
      switch (frame.kind) {
        case Kind.CALL:
          // A call for this process's node only: a peer cannot make this hub route elsewhere.
          frame.target = this.processName;
          frame.preferred = false;
          break;
        case Kind.CANCEL:
          break;
        case Kind.RESULT:
        case Kind.ERROR:
          if (frame.target !== this.processName || frame.callId === 0) continue;
          break;
        case Kind.STREAM_ITEM:
        case Kind.STREAM_END:
        case Kind.CREDIT:
          if (frame.target !== "" && frame.target !== this.processName) continue;
          break;
        default:
          continue;
      }
      taken.push(frame);
    }
    if (taken.length > 0) this.toNode(peer, taken);
  }

  /**
   * Frames on for this process's node. While it is away (it reconnects to this hub after NATS came
   * back, and a peer that heard of this process again already calls it), they wait for it, in
   * order: a call that comes a moment early runs rather than being refused. Bounded in time and size.
   */
  private toNode(peer: Peer, frames: ReceivedFrame[]): void {
    if (this.router.session(this.processName) || this.stopped) {
      if (this.held.length > 0) this.release();
      return this.deliver(peer, frames);
    }
    const kept = frames.map(detached);
    this.held.push({ peer, frames: kept });
    this.heldFrames += kept.length;
    for (const frame of kept) this.heldBytes += frame.payload.length + (frame.wire?.length ?? 0) + MESSAGE_OVERHEAD;
    if (this.heldFrames > MAX_HELD_FRAMES || this.heldBytes > MAX_HELD_BYTES) return this.release();
    if (!this.holdTimer) {
      this.holdTimer = setTimeout(() => this.release(), HOLD_MS);
      this.holdTimer.unref();
    }
  }

  /** What waited for the node goes on (to it, or refused by the router when it is still away). */
  private release(): void {
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    const held = this.held;
    this.held = [];
    this.heldFrames = 0;
    this.heldBytes = 0;
    for (const { peer, frames } of held) if (!peer.session.closed) this.deliver(peer, frames);
  }

  /** Answers and stream frames carry the incarnation of the node's link of now (a peer cannot aim at another). */
  private deliver(peer: Peer, frames: ReceivedFrame[]): void {
    const incarnation = this.router.session(this.processName)?.incarnation ?? 0;
    for (const frame of frames) {
      if (frame.kind !== Kind.CALL && frame.kind !== Kind.CANCEL && frame.target !== "") frame.incarnation = incarnation;
    }
    peer.link.deliver(frames);
  }

  /**
   * Frames from a connection this hub does not know (it has not announced itself yet, or is gone),
   * or for an earlier connection of this hub: their calls are answered NodeDisconnectedError at
   * once, without running, rather than left waiting.
   */
  private unknownSender(subject: string, { source, destination, batch }: Envelope, why: string): void {
    const name = lastName(subject);
    const nc = this.nc;
    if (name === undefined || !nc) return;
    let frames: ReceivedFrame[];
    try {
      frames = decodeBatch(batch);
    } catch {
      return;
    }
    const answers = frames
      .filter((frame) => frame.kind === Kind.CALL && frame.mode !== Mode.NO_RETURN && !(frame.mode === Mode.BROADCAST && !frame.returnResult))
      .map((frame) => {
        const error: WireError = { code: "NODE_DISCONNECTED", name: "NODE_DISCONNECTED", message: `process '${shown(this.processName)}' did not run the call: it came on ${why}`, data: NOT_STARTED };
        return { kind: Kind.ERROR, callId: frame.callId, source: this.processName, target: name, payload: encode(error) };
      });
    if (answers.length === 0) return;
    // From the connection the calls were sent to: a sender that still has it takes the answers (an
    // earlier connection's calls then fail as not started, which a retry may send elsewhere).
    const header = envelopeHeader(destination, source);
    try {
      nc.publish(this.subjects.frames(name, this.processName), Buffer.concat([header, encodeBatch({ frames: answers })]));
    } catch {
      // The connection is going: the sender learns of it by itself.
    }
    if (!this.retired.has(peerKey(source, name))) this.askSync(name);
  }

  private warn(line: string): void {
    const admitted = this.dropped.admit(line);
    if (admitted) this.log.warn(admitted);
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/** Where a peer is filed: its connection and its name together (a connection id is public: anyone may repeat it). */
function peerKey(link: string, name: string): string {
  return `${link}/${name}`;
}

/** What the hub reads of a NATS message of frames. */
interface FramesMessage {
  readonly subject: string;
  readonly data: Uint8Array;
}

/** The frame with its buffers copied out of the message they are views of (kept, it would keep the message's read buffer whole). */
function detached(frame: ReceivedFrame): ReceivedFrame {
  return { ...frame, payload: Buffer.from(frame.payload), ...(frame.wire ? { wire: Buffer.from(frame.wire) } : {}) };
}
