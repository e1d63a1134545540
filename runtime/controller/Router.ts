// Routes frames between node sessions: admission, the callback registry, calls and their answers.
import { listed } from "../contract/listed";
import { createHash, timingSafeEqual } from "node:crypto";
import { AccessPolicy } from "../auth/AccessPolicy";
import { DaffiError } from "../errors/DaffiError";
import type { Logger } from "../log/Logger";
import { shown } from "../log/shown";
import { NOT_STARTED } from "../errors/notStarted";
import { encode, decode } from "../wire/codec";
import { type Frame, frameSize, type ReceivedFrame } from "../wire/Frame";
import { Kind, Mode } from "../wire/Kind";
import type { WireError } from "../errors/wireError";
import type { ErrorCode } from "../errors/DaffiError";
import type { RegistrySnapshot } from "../registry/RegistryView";
import { Throttle } from "../log/Throttle";
import { MAX_ACCEPT_LENGTH, MAX_CALLBACKS_PER_NODE, MAX_HELLO_BYTES, MAX_NAME_LENGTH, MAX_REGISTER_BYTES, PROTOCOL_VERSION } from "../wire/limits";
import { NodeSession, type Route } from "./NodeSession";
import { BUILTIN_PREFIX } from "../node/builtins";
import { keyFingerprint, publicKeyOf, TICKET_TTL_MS, TicketIssuer } from "../direct/Ticket";

/**
 * Connections are numbered 1 to this, then again from 1. Executors key the calls they run by
 * (incarnation, call id) in one exact number, and none holds calls of a connection 2 million
 * connections ago: a leaving caller's calls are cancelled at once.
 */
const MAX_INCARNATION = 2 ** 21 - 1;

export class Router {
  private readonly sessions = new Map<string, NodeSession>();
  private readonly providers = new Map<string, NodeSession[]>();
  private readonly registryListeners = new Set<() => void>();
  private stopping = false;

  /** What a message too large for an executor's link cannot pass (said in PayloadTooLargeError). */
  passage = "the controller: above its message size limit";

  constructor(
    private readonly controllerName: string,
    private readonly log: Logger,
    /** Who may connect and do what (the controller's `auth`); open to all without it. */
    private readonly policy = new AccessPolicy(),
    /** Tickets for direct links are given (else every call stays on the controller). */
    private readonly direct = true,
  ) {}

  /** What this router did since it started (metrics: README, Metrics). */
  readonly counters: RouterCounters = { routed: 0, forwardedBytes: 0, refusedNodes: Object.create(null) as Record<string, number>, refusedCalls: Object.create(null) as Record<string, number> };

  /** The nodes connected now. */
  get nodeCount(): number {
    return this.sessions.size;
  }

  /** Numbers the sessions: a caller's connection is told apart from its later ones (proto: incarnation). */
  private nextIncarnation = 1;
  private broadcastScheduled = false;
  /** The numbers of the connections admitted now: a number comes round again only once it is free. */
  private readonly liveIncarnations = new Set<number>();
  /** Refusals are logged, but a flood of them is not. */
  private readonly refusals = new Throttle();
  /** Signs each node's ticket for direct links (runtime/direct/Ticket.ts). */
  private readonly tickets = new TicketIssuer();
  private ticketTimer?: NodeJS.Timeout;

  snapshot(): RegistrySnapshot {
    const callbacks: RegistrySnapshot["callbacks"] = [];
    for (const [name, sessions] of this.providers) {
      const fingerprints = sessions.map((session) => session.fingerprints.get(name) ?? "");
      callbacks.push(fingerprints.some(Boolean) ? [name, sessions.map((session) => session.name), fingerprints] : [name, sessions.map((session) => session.name)]);
    }
    // Every node with a key: where it takes direct links ("" nowhere) and its key's fingerprint, so that an executor knows who holds a name now.
    const addresses: Array<[string, string, string]> = [];
    for (const session of this.sessions.values()) if (session.keyFingerprint) addresses.push([session.name, session.directAddress ?? "", session.keyFingerprint]);
    return { processes: [...this.sessions.keys()], callbacks, ...(addresses.length > 0 ? { addresses } : {}) };
  }

  /**
   * The controller stops: new calls get StoppedError, those in flight go on, and every node is told
   * (GOAWAY) so that it sends no more calls; its GOAWAY back says all it sent has arrived.
   */
  refuseNewCalls(): void {
    this.stopping = true;
    clearInterval(this.ticketTimer);
    for (const session of this.sessions.values()) session.send({ kind: Kind.GOAWAY });
  }

  /** Some call is still in flight, or some node has not answered GOAWAY yet (a call of its may still be on its way). */
  get busy(): boolean {
    for (const session of this.sessions.values()) if (session.outgoing.size > 0 || (this.stopping && session.answersGoAway && !session.goneAway)) return true;
    return false;
  }

  onRegistryChange(listener: () => void): () => void {
    this.registryListeners.add(listener);
    return () => this.registryListeners.delete(listener);
  }

  handle(session: NodeSession, frame: ReceivedFrame): void {
    if (!session.admitted) {
      if (frame.kind === Kind.HELLO) this.admit(session, frame);
      else this.refuse(session, "PROTOCOL", `expected HELLO as the first frame, got kind ${frame.kind}`);
      return;
    }
    switch (frame.kind) {
      case Kind.CALL:
        return this.routeCall(session, frame);
      case Kind.RESULT:
      case Kind.ERROR:
        return this.routeToCaller(session, frame, true);
      case Kind.CANCEL:
        return this.routeToExecutor(session, frame, true);
      case Kind.STREAM_ITEM:
      case Kind.STREAM_END:
      case Kind.CREDIT:
        // Frames of the executing node name the caller as target; the caller's own name no target.
        return frame.target ? this.routeToCaller(session, frame, frame.kind === Kind.STREAM_END) : this.routeToExecutor(session, frame, false);
      case Kind.REGISTER:
        return this.register(session, frame);
      case Kind.PING:
        return session.send({ kind: Kind.PONG, callId: frame.callId });
      case Kind.PONG:
        return;
      case Kind.GOAWAY:
        session.goneAway = true;
        return;
      default:
        this.log.warn(`Ignored frame of unknown kind ${frame.kind} from '${shown(session.name)}'`);
    }
  }

  /** The session's stream ended: fail the calls it was running, cancel the ones it made. */
  leave(session: NodeSession): void {
    if (!session.admitted || this.sessions.get(session.name) !== session) return;
    this.sessions.delete(session.name);
    this.liveIncarnations.delete(session.incarnation);
    for (const route of session.executing) {
      this.release(route, session);
      this.sendError(route.caller, route.callId, session.name, "NODE_DISCONNECTED", `process '${session.name}' disconnected while running the call`);
    }
    session.executing.clear();
    for (const route of session.outgoing.values()) {
      for (const executor of route.executors) {
        executor.executing.delete(route);
        executor.send({ ...this.cancelOf(route), name: "DISCONNECTED" });
      }
    }
    session.outgoing.clear();
    this.log.info(`Node '${shown(session.name)}' has been disconnected`, { node: shown(session.name) });
    this.registryChanged();
  }

  /**
   * The calls `executor` runs end for their callers with this error, as if it had answered so (the
   * link to it refused to carry them: a NATS server's permissions).
   */
  failCalls(executor: NodeSession, code: ErrorCode, message: string): void {
    for (const route of [...executor.executing]) {
      this.release(route, executor);
      this.sendError(route.caller, route.callId, executor.name, code, message);
    }
  }

  /** The admitted session of that process name, if any. */
  session(name: string): NodeSession | undefined {
    return this.sessions.get(name);
  }

  /** Every admitted session, for shutdown. */
  all(): NodeSession[] {
    return [...this.sessions.values()];
  }

  private admit(session: NodeSession, frame: ReceivedFrame): void {
    const name = frame.name;
    if (!name) return this.refuse(session, "PROTOCOL", "HELLO without a process name");
    if (name.length > MAX_NAME_LENGTH) return this.refuse(session, "PROTOCOL", `a process name longer than ${MAX_NAME_LENGTH} characters`);
    if (frame.payload.length > MAX_HELLO_BYTES) return this.refuse(session, "PROTOCOL", `a HELLO of more than ${MAX_HELLO_BYTES} bytes`);
    let hello: unknown;
    try {
      hello = decode(frame.payload);
    } catch {
      return this.refuse(session, "PROTOCOL", "HELLO payload is not valid CBOR");
    }
    const protocol = (hello as { protocol?: unknown } | undefined)?.protocol;
    if (protocol !== PROTOCOL_VERSION) {
      return this.refuse(session, "PROTOCOL", `this controller speaks daffi protocol ${PROTOCOL_VERSION}, the node ${shown(String(protocol))}: run the same daffi version on both`);
    }
    const token = (hello as { token?: unknown } | undefined)?.token;
    try {
      session.identity = this.policy.admit(name, { ...session.credentials, token: typeof token === "string" ? token : undefined });
    } catch (error) {
      if (error instanceof DaffiError) return this.refuse(session, error.code, error.message);
      throw error;
    }
    const secret = (hello as { secret?: unknown } | undefined)?.secret;
    const proof = typeof secret === "string" && secret.length > 0 ? createHash("sha256").update(secret).digest() : undefined;
    const holder = this.sessions.get(name);
    if (holder) {
      // The same process coming back (its link broke before this side noticed): its stale session goes, at once.
      if (!proof || !holder.secretDigest || !timingSafeEqual(proof, holder.secretDigest)) {
        return this.refuse(session, "PROCESS_NAME_IN_USE", `process name '${shown(name)}' is already used by a connected node`);
      }
      this.log.info(`Node '${shown(name)}' reconnected: its previous connection is closed`);
      this.leave(holder);
      holder.close();
    }
    session.name = name;
    session.secretDigest = proof;
    session.answersGoAway = (hello as { goaway?: unknown }).goaway === true;
    session.incarnation = this.takeIncarnation();
    this.sessions.set(name, session);
    session.publicKey = publicKeyBytes((hello as { key?: unknown }).key);
    session.directAddress = session.publicKey && this.direct ? directAddressOf((hello as { direct?: unknown }).direct) : undefined;
    session.keyFingerprint = session.publicKey && this.direct ? keyFingerprint(session.publicKey) : undefined;
    const ticket = this.ticketOf(session);
    session.send({ kind: Kind.WELCOME, name: this.controllerName, payload: ticket ? encode({ ...WELCOME, controllerKey: this.tickets.publicKey, ticket }) : WELCOME_PAYLOAD });
    session.callbacks = this.served(session, callbackNames(hello));
    session.fingerprints = fingerprintsOf(hello, session.callbacks);
    this.log.info(`Node '${shown(name)}' has been connected to Controller${this.policy.enforced ? ` as identity '${session.identity.name}'` : ""}`, { node: shown(name), identity: this.policy.enforced ? session.identity.name : undefined });
    this.registryChanged();
    // The newcomer knows the system right after WELCOME (the others hear of it at the end of this turn).
    session.send({ kind: Kind.REGISTRY, payload: encode(this.snapshot()) });
    if (this.stopping) session.send({ kind: Kind.GOAWAY }); // admitted while the controller stops
  }

  /**
   * The node's ticket: its process name, identity and what it may call, for its key, signed. Sent at
   * WELCOME and again before it expires, so that executors on direct links apply the same rules.
   */
  private ticketOf(session: NodeSession): Uint8Array | undefined {
    if (!session.publicKey || !this.direct) return undefined;
    if (!this.ticketTimer && !this.stopping) {
      this.ticketTimer = setInterval(() => this.renewTickets(), TICKET_TTL_MS / 2);
      this.ticketTimer.unref();
    }
    const { call, transfer } = session.identity.callRules;
    return this.tickets.issue({ process: session.name, identity: session.identity.name, call, transfer, enforced: this.policy.enforced, key: session.publicKey });
  }

  private renewTickets(): void {
    for (const session of this.sessions.values()) {
      const ticket = this.ticketOf(session);
      if (ticket) session.send({ kind: Kind.TICKET, payload: encode({ ticket }) });
    }
  }

  private register(session: NodeSession, frame: ReceivedFrame): void {
    if (frame.payload.length > MAX_REGISTER_BYTES) return this.log.warn(`Ignored a REGISTER of ${frame.payload.length} bytes from '${shown(session.name)}'`);
    let payload: unknown;
    try {
      payload = decode(frame.payload);
    } catch {
      return this.log.warn(`Ignored a REGISTER from '${shown(session.name)}' whose payload is not valid CBOR`);
    }
    this.update(session, payload);
  }

  /**
   * A process of another hub joins as its presence says (NATS: runtime/nats/NatsHub.ts), without
   * HELLO: its name was claimed across the cluster. False when the name is held here.
   */
  join(session: NodeSession, name: string, announced: unknown): boolean {
    if (this.sessions.has(name)) return false;
    session.name = name;
    session.remote = true;
    session.identity = this.policy.admit(name, { local: false });
    session.incarnation = this.takeIncarnation();
    this.sessions.set(name, session);
    this.update(session, announced);
    return true;
  }

  /** The session serves what `announced` lists (`{ callbacks, fingerprints }`, as in HELLO and REGISTER). */
  update(session: NodeSession, announced: unknown): void {
    session.callbacks = this.served(session, callbackNames(announced));
    session.fingerprints = fingerprintsOf(announced, session.callbacks);
    this.registryChanged();
  }

  /**
   * The callbacks the session's identity may serve. The others are not registered: the controller
   * logs them and tells the node (an ERROR without call id, after WELCOME), the rest is served.
   */
  private served(session: NodeSession, listed: string[]): string[] {
    // Names beyond the bounds are not taken (and not matched against patterns).
    const bounded = listed.slice(0, MAX_CALLBACKS_PER_NODE).filter((name) => name.length > 0 && name.length <= MAX_NAME_LENGTH);
    const names = [...new Set(bounded)]; // a name listed twice is served once (a broadcast must not reach it twice)
    if (bounded.length < listed.length) {
      const message = `callbacks beyond ${MAX_CALLBACKS_PER_NODE}, empty or longer than ${MAX_NAME_LENGTH} characters are not registered (${listed.length - bounded.length} of them)`;
      this.log.warn(`Node '${shown(session.name)}': ${message}`);
      this.sendError(session, 0, this.controllerName, "PROTOCOL", message);
    }
    const allowed = names.filter((name) => session.identity.mayServe(name));
    if (allowed.length === names.length) return allowed;
    const refused = names.filter((name) => !session.identity.mayServe(name));
    const which = refused.slice(0, 10).map((name) => `'${shown(name, 64)}'`).join(", ") + (refused.length > 10 ? ` and ${refused.length - 10} more` : "");
    const message = `identity '${session.identity.name}' may not serve ${which}: not registered`;
    this.log.warn(`Node '${shown(session.name)}': ${message}`);
    this.sendError(session, 0, this.controllerName, "PERMISSION_DENIED", message);
    return allowed;
  }

  private refuse(session: NodeSession, code: ErrorCode, message: string): void {
    this.counters.refusedNodes[code] = (this.counters.refusedNodes[code] ?? 0) + 1;
    const line = this.refusals.admit(`Refused a node from ${session.peer}: ${shown(message, 400)}`);
    if (line) this.log.warn(line);
    this.sendError(session, 0, this.controllerName, code, message);
    session.close();
  }

  private routeCall(caller: NodeSession, frame: ReceivedFrame): void {
    if (this.stopping) return this.sendError(caller, frame.callId, this.controllerName, "STOPPED", "the controller is stopping", NOT_STARTED);
    if (frame.name.length > MAX_NAME_LENGTH || frame.target.length > MAX_NAME_LENGTH) {
      return this.sendError(caller, frame.callId, this.controllerName, "PROTOCOL", `callback and process names are at most ${MAX_NAME_LENGTH} characters`);
    }
    if (frame.accept.length > MAX_ACCEPT_LENGTH) {
      return this.sendError(caller, frame.callId, this.controllerName, "PROTOCOL", `a call accepts at most ${MAX_ACCEPT_LENGTH} characters of contract fingerprints`);
    }
    const denied = caller.identity.refuseCall(frame.name);
    if (denied) return this.sendError(caller, frame.callId, this.controllerName, denied.code, denied.message);
    // A caller that does not take its answers gets no new work done for it.
    if (!caller.hasRoomFor(0)) return this.sendOverloaded(caller, frame.callId, caller, "its own answers", this.controllerName);
    const executors = this.pickExecutors(caller, frame);
    if (!executors) return;
    // A node may allow larger messages than the controller: the caller learns it, rather than waiting.
    if (!executors[0]!.fits(frame)) return this.sendTooLarge(caller, frame.callId, this.controllerName, `the arguments (${frameSize(frame)} bytes)`);
    // Only to nodes with room for it: a node that does not keep up is not given more to hold.
    const size = frameSize(frame);
    const broadcast = frame.mode === Mode.BROADCAST;
    const reachable = executors.length === 1 ? (executors[0]!.hasRoomFor(size) ? executors : []) : executors.filter((executor) => executor.hasRoomFor(size));
    if (reachable.length === 0 && !(broadcast && frame.returnResult)) return this.sendOverloaded(caller, frame.callId, executors[0]!, "calls", executors[0]!.name);
    // Forwarded as received (frame.wire): only the header learns who sent it, and from which connection.
    frame.source = caller.name;
    frame.incarnation = caller.incarnation;
    // Whatever identity the caller wrote is replaced (currentCall().identity): its own, under auth.
    frame.identity = this.policy.enforced ? caller.identity.name : "";
    // No answer expected: NO_RETURN, and BROADCAST without returnResult (sent on as NO_RETURN).
    const silent = frame.mode === Mode.NO_RETURN || (broadcast && !frame.returnResult);
    if (silent) {
      if (frame.mode !== Mode.NO_RETURN) {
        frame.mode = Mode.NO_RETURN;
        frame.wire = undefined; // a changed header is encoded anew
      }
      this.counters.routed++;
      this.counters.forwardedBytes += size * reachable.length;
      for (const executor of reachable) executor.send(frame);
      caller.send({ kind: Kind.ACCEPTED, callId: frame.callId, source: reachable[0]!.name, payload: encode(reachable.map((e) => e.name)) });
      return;
    }
    const previous = caller.outgoing.get(frame.callId);
    if (previous) for (const executor of previous.executors) executor.executing.delete(previous);
    // A broadcast caller learns first which processes will answer; the ones without room answer OverloadedError at once.
    if (broadcast) {
      caller.send({ kind: Kind.ACCEPTED, callId: frame.callId, payload: encode(executors.map((e) => e.name)) });
      // Each in its own name (the caller's too, when it is one of them): the broadcast counts on one answer per process.
      for (const full of executors) if (!reachable.includes(full)) this.sendOverloaded(caller, frame.callId, full, "calls", full.name);
    }
    if (reachable.length === 0) return;
    this.counters.routed++;
    this.counters.forwardedBytes += size * reachable.length;
    const route: Route = { caller, callId: frame.callId, executors: new Set(reachable) };
    caller.outgoing.set(frame.callId, route);
    for (const executor of reachable) {
      executor.executing.add(route);
      executor.send(frame);
    }
  }

  /** The call is not taken: `node` already holds more than maxQueuedBytes for `what`. */
  private sendOverloaded(caller: NodeSession, callId: number, node: NodeSession, what: string, source: string): void {
    const message = `process '${shown(node.name)}' has ${node.heldBytes} bytes waiting to be sent to it (maxQueuedBytes ${node.maxQueuedBytes}): no room for more ${what}`;
    this.sendError(caller, callId, source, "OVERLOADED", message, NOT_STARTED);
  }

  /** The target process, every provider (BROADCAST), the caller's preferred one, or one provider at random. */
  private pickExecutors(caller: NodeSession, frame: ReceivedFrame): NodeSession[] | undefined {
    if (frame.target && frame.preferred) {
      // The caller's balancing picked it from what it last heard: taken when it still fits, else picked here.
      const chosen = this.sessions.get(frame.target);
      if (chosen && this.providers.get(frame.name)?.includes(chosen) && (!frame.accept || accepts(chosen, frame.name, frame.accept)) && chosen.hasRoomFor(frameSize(frame))) {
        return [chosen];
      }
    } else if (frame.target) {
      const pinned = this.sessions.get(frame.target);
      // Pinned to a process, a callback still goes only to one it was registered for (its identity may serve it); daffi's built-ins go to any.
      if (pinned && !frame.name.startsWith(BUILTIN_PREFIX) && !this.providers.get(frame.name)?.includes(pinned)) {
        this.sendError(caller, frame.callId, this.controllerName, "CALLBACK_NOT_FOUND", `process '${shown(frame.target)}' has no callback named '${shown(frame.name)}'`, NOT_STARTED);
        return undefined;
      }
      if (pinned) return [pinned];
      this.sendError(caller, frame.callId, this.controllerName, "NODE_DISCONNECTED", `process '${frame.target}' is not connected`, NOT_STARTED);
      return undefined;
    }
    const all = this.providers.get(frame.name);
    if (!all || all.length === 0) {
      this.sendError(caller, frame.callId, this.controllerName, "CALLBACK_NOT_FOUND", `no connected process has a callback named '${frame.name}'`, NOT_STARTED);
      return undefined;
    }
    const candidates = frame.accept ? accepting(all, frame.name, frame.accept) : all;
    if (candidates.length === 0) {
      const message = `no provider of '${shown(frame.name)}' announces a contract the caller checked (the providers changed since)`;
      // Without a source: no executor's answer can have one (the controller names each), so the caller knows the controller said it.
      this.sendError(caller, frame.callId, "", "CONTRACT_MISMATCH", message, { stale: true });
      return undefined;
    }
    if (frame.mode === Mode.BROADCAST) return [...candidates];
    const picked = candidates.length === 1 ? candidates[0]! : candidates[Math.floor(Math.random() * candidates.length)]!;
    if (candidates.length === 1 || picked.hasRoomFor(frameSize(frame))) return [picked];
    // That one does not keep up: another with room, if there is one.
    const open = candidates.filter((candidate) => candidate.hasRoomFor(frameSize(frame)));
    return [open.length > 0 ? open[Math.floor(Math.random() * open.length)]! : picked];
  }

  /** The executor is done with the route (answered, or left); the route ends with its last executor. */
  private release(route: Route, executor: NodeSession): void {
    route.executors.delete(executor);
    executor.executing.delete(route);
    if (route.executors.size === 0 && route.caller.outgoing.get(route.callId) === route) route.caller.outgoing.delete(route.callId);
  }

  /** A frame of the executing node for the caller; `final` ends the call's route. */
  private routeToCaller(executor: NodeSession, frame: ReceivedFrame, final: boolean): void {
    const caller = this.sessions.get(frame.target);
    // Only to the connection that made the call: a later one under the same name never gets its answers.
    if (!caller || caller.incarnation !== frame.incarnation) return;
    const route = caller.outgoing.get(frame.callId);
    // No route: the caller left, cancelled, or timed out. Its answer has nobody to go to.
    if (!route || !route.executors.has(executor)) return;
    if (!caller.fits(frame)) return this.refuseOversized(route, frame, executor);
    if (final) this.release(route, executor);
    frame.source = executor.name;
    this.counters.forwardedBytes += frameSize(frame);
    caller.send(frame);
  }

  /** A frame of the caller for the node running its call; `final` ends the call's route. */
  private routeToExecutor(caller: NodeSession, frame: ReceivedFrame, final: boolean): void {
    const route = caller.outgoing.get(frame.callId);
    if (!route) return;
    if (!caller.fits(frame)) return this.refuseOversized(route, frame);
    if (final) this.endRoute(route);
    frame.source = caller.name;
    frame.incarnation = caller.incarnation;
    this.counters.forwardedBytes += frameSize(frame) * route.executors.size;
    for (const executor of route.executors) executor.send(frame);
  }

  /** The caller is done with the call: its route ends for every executor. */
  private endRoute(route: Route): void {
    route.caller.outgoing.delete(route.callId);
    for (const executor of route.executors) executor.executing.delete(route);
  }

  /**
   * A frame received but too large to forward within the controller's message size limit (a node may
   * allow larger messages): rather than lose it, the call ends there and its caller gets
   * PayloadTooLargeError. A frame of an executor ends that executor's part, answered in its name (a
   * broadcast counts on it); one of the caller (a stream item) ends the whole call. Whoever was still
   * sending is cancelled.
   */
  private refuseOversized(route: Route, frame: ReceivedFrame, executor?: NodeSession): void {
    const cancel = this.cancelOf(route);
    if (executor) {
      this.release(route, executor);
      if (frame.kind !== Kind.RESULT && frame.kind !== Kind.ERROR) executor.send(cancel);
    } else {
      this.endRoute(route);
      for (const running of route.executors) running.send(cancel);
    }
    const what = executor ? `the answer of '${executor.name}'` : "a stream item";
    this.sendTooLarge(route.caller, frame.callId, executor?.name ?? this.controllerName, `${what} (${frameSize(frame)} bytes)`);
  }

  /** The next connection number not held by a live connection. */
  private takeIncarnation(): number {
    let number = this.nextIncarnation;
    while (this.liveIncarnations.has(number)) number = number >= MAX_INCARNATION ? 1 : number + 1;
    this.nextIncarnation = number >= MAX_INCARNATION ? 1 : number + 1;
    this.liveIncarnations.add(number);
    return number;
  }

  /** The CANCEL the controller sends an executor for a route's caller. */
  private cancelOf(route: Route): Frame {
    return { kind: Kind.CANCEL, callId: route.callId, source: route.caller.name, incarnation: route.caller.incarnation };
  }

  private sendTooLarge(caller: NodeSession, callId: number, source: string, what: string): void {
    this.sendError(caller, callId, source, "PAYLOAD_TOO_LARGE", `${what} cannot pass ${this.passage}`);
  }

  private sendError(to: NodeSession, callId: number, source: string, code: ErrorCode, message: string, data?: Record<string, unknown>): void {
    if (callId !== 0) this.counters.refusedCalls[code] = (this.counters.refusedCalls[code] ?? 0) + 1;
    const error: WireError = { code, name: code, message, ...(data ? { data } : {}) };
    to.send({ kind: Kind.ERROR, callId, source, target: to.name, payload: encode(error) });
  }

  private registryChanged(): void {
    this.providers.clear();
    for (const session of this.sessions.values()) {
      for (const name of session.callbacks) {
        const list = this.providers.get(name);
        if (list) list.push(session);
        else this.providers.set(name, [session]);
      }
    }
    // Routing uses the new providers at once; the nodes hear of it once per event-loop turn, however many changes it held.
    if (this.broadcastScheduled) return;
    this.broadcastScheduled = true;
    setImmediate(() => {
      this.broadcastScheduled = false;
      const snapshot = this.snapshot();
      const payload = encode(snapshot);
      for (const session of this.sessions.values()) session.send({ kind: Kind.REGISTRY, payload });
      this.log.debug(`Registry sent to ${this.sessions.size} nodes: ${snapshot.processes.length} processes, ${snapshot.callbacks.length} callbacks`);
      for (const listener of this.registryListeners) listener();
    });
  }
}

/**
 * The providers a caller's contract check accepts: those announcing one of its fingerprints, and
 * those announcing none (code compiled without the transformer is not checked).
 */
function accepting(providers: NodeSession[], name: string, accept: string): NodeSession[] {
  return providers.filter((session) => accepts(session, name, accept));
}

/** The session announces, for `name`, a contract `accept` lists, or none (not checked). */
function accepts(session: NodeSession, name: string, accept: string): boolean {
  const fingerprint = session.fingerprints.get(name);
  return fingerprint === undefined || listed(accept, fingerprint);
}

/**
 * WELCOME's payload: what this controller understands beyond protocol 2, so that a node sends it
 * only to a controller that honours it ("preferred": a CALL's target may be a balancing pick).
 */
const WELCOME = { features: ["preferred", "direct"] };
const WELCOME_PAYLOAD = encode(WELCOME);

/** A node's public key as its HELLO gives it: the bytes of an Ed25519 key, else none. */
function publicKeyBytes(key: unknown): Uint8Array | undefined {
  return publicKeyOf(key) ? Buffer.from(key as Uint8Array) : undefined;
}

/** A direct address as a HELLO gives it: a gRPC target of a UNIX socket or host:port, at most 512 characters; else none. */
function directAddressOf(direct: unknown): string | undefined {
  if (typeof direct !== "string" || direct.length > 512) return undefined;
  return /^unix:\/[^\0]*$/.test(direct) || /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(direct) ? direct : undefined;
}

/** What a fingerprint may be: the transformer's are 22 base64url characters; anything else of this alphabet up to 64. */
const FINGERPRINT = /^[A-Za-z0-9_-]{1,64}$/;


/** The fingerprints a HELLO or REGISTER gives, by callback name, for the names served (bounded: 64 characters at most). */
function fingerprintsOf(payload: unknown, served: string[]): Map<string, string> {
  const { callbacks, fingerprints } = (payload ?? {}) as { callbacks?: unknown; fingerprints?: unknown };
  const byName = new Map<string, string>();
  if (!Array.isArray(callbacks) || !Array.isArray(fingerprints)) return byName;
  const wanted = new Set(served);
  const count = Math.min(callbacks.length, fingerprints.length, MAX_CALLBACKS_PER_NODE);
  for (let i = 0; i < count; i++) {
    const name: unknown = callbacks[i];
    const fingerprint: unknown = fingerprints[i];
    if (typeof name === "string" && wanted.has(name) && typeof fingerprint === "string" && FINGERPRINT.test(fingerprint)) byName.set(name, fingerprint);
  }
  return byName;
}

function callbackNames(payload: unknown): string[] {
  const callbacks = (payload as { callbacks?: unknown } | undefined)?.callbacks;
  return Array.isArray(callbacks) ? callbacks.filter((name): name is string => typeof name === "string") : [];
}

/** What a router did since it started: calls routed, bytes forwarded, refusals by code. */
export interface RouterCounters {
  /** Calls sent on to their executor(s). */
  routed: number;
  /** Bytes of calls, answers and stream frames forwarded between nodes. */
  forwardedBytes: number;
  /** Nodes refused (HELLO refused, name in use, …), by error code. */
  readonly refusedNodes: Record<string, number>;
  /** Calls the controller answered itself with an error (not found, overloaded, denied, …), by error code. */
  readonly refusedCalls: Record<string, number>;
}
