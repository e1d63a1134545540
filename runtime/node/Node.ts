// The node: one stream to the controller; sends calls, runs incoming ones, reconnects when the stream drops.
import { Balancer, type Balancing } from "../call/Balancer";
import { listed } from "../contract/listed";
import { type KeyObject, randomBytes } from "node:crypto";
import { MAX_TICKET_BYTES, publicKeyOf, readTicket } from "../direct/Ticket";
import { Identity } from "../auth/Identity";
import * as grpc from "@grpc/grpc-js";
import { LongTimeout } from "../call/LongTimeout";
import { CancelledError, codeOf, DaffiError, NodeDisconnectedError, OverloadedError, PayloadTooLargeError, ProtocolError, StoppedError, TimeoutError } from "../errors/DaffiError";
import { BUILTIN, BUILTIN_PREFIX } from "./builtins";
import { fromWireError, type WireError } from "../errors/wireError";
import type { Logger } from "../log/Logger";
import { shown } from "../log/shown";
import type { CallbackRegistry } from "../registry/CallbackRegistry";
import { RegistryView, type RegistrySnapshot } from "../registry/RegistryView";
import { type Address, describeAddress, grpcTarget } from "../wire/address";
import { channelOptions, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_QUEUED_BYTES } from "../wire/channelOptions";
import { channelCredentials, type TlsOptions } from "../wire/tls";
import { decode, decodeOr, encode } from "../wire/codec";
import { type Frame, NO_METADATA, type ReceivedFrame } from "../wire/Frame";
import { FrameWriter } from "../wire/FrameWriter";
import { grpcClientLink } from "../link/grpcLink";
import { CallStats } from "../observe/CallStats";
import type { Link } from "../link/Link";
import type { LocalEnd } from "../link/localLink";
import { Kind, Mode } from "../wire/Kind";
import { checkSocketFolder, checkSocketToConnect } from "../wire/socketFolder";
import { MAX_NAME_LENGTH, PROTOCOL_VERSION } from "../wire/limits";
import { CallExecutor, DEFAULT_MAX_CONCURRENT_CALLS } from "./CallExecutor";
import type { CallOptions, NodeEvents, OpenCall } from "./CallOptions";
import { ConnectionLife } from "./ConnectionState";
import { MAX_PENDING_CALLS, type PendingCall, PendingCalls } from "./PendingCalls";
import { type DirectCredentials, DIRECT_INCARNATION_BASE } from "../direct/DirectServer";
import { type DirectPeer } from "../direct/DirectLinks";
import { DirectEnd, type DirectSettings } from "../direct/DirectEnd";
import { callStorage } from "../context/CallContext";
import { callMetadata, type Metadata } from "../context/metadata";
import type { InterceptorChains } from "../context/Interceptor";
import { markNotStarted } from "../errors/notStarted";
import { type CancelReason, cancelReasonOf } from "../context/cancelReason";

export type { CallOptions, NodeEvents, OpenCall } from "./CallOptions";

const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 2000;
/** What a call made inside a callback gets past the time left of that call (see call()). */
export const NESTED_DEADLINE_GRACE_S = 0.05;

/** The most callbacks listed in HELLO (well within the controller's MAX_HELLO_BYTES); more are sent in a REGISTER after WELCOME. */
const HELLO_CALLBACKS = 500;
/** The largest timeout_ms a frame carries (uint32): longer timeouts are kept locally, the executor sees this much. */
const MAX_TIMEOUT_MS = 0xffff_ffff;

/** Seconds as a message shows them: 5, 0.25, 1.333. */
function shownSeconds(seconds: number): string {
  return String(Math.round(seconds * 1000) / 1000);
}

/** A call that never left: its promise rejects with the reason. */
/** What a node tells of the calls it makes: one started, one ended (its outcome code, its seconds). */
export interface CallObserver {
  started(name: string): void;
  ended(name: string, code: string, seconds: number): void;
}

function refused(error: Error): OpenCall {
  return { id: 0, done: Promise.reject(error) };
}

export interface NodeSettings extends TlsOptions {
  heartbeat?: number;
  maxMessageSize?: number;
  /** Proves this node's identity to a controller with `auth`. */
  token?: string;
  /** The controller of this very process, reached in memory instead of through a socket. */
  local?: () => LocalEnd | undefined;
  /** Direct links to and from the other nodes (default on); see runtime/direct/. */
  direct?: DirectSettings;
}

export class Node {
  readonly registry = new RegistryView();
  private client?: grpc.Client;
  private readonly pending = new PendingCalls();
  private readonly executor: CallExecutor;
  private readonly life: ConnectionLife;
  private stream?: Link;
  private writer?: FrameWriter;
  /** The controller said GOAWAY on this stream (it stops): no more calls go on it; they wait for the next connection. */
  private controllerLeaving = false;
  private attempts = 0;
  private retryTimer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private firstConnection: { resolve(): void; reject(error: Error): void } | undefined;
  private settings: NodeSettings = {};
  private address?: Address;
  private maxMessageSize = DEFAULT_MAX_MESSAGE_BYTES;
  private readonly maxQueuedBytes: number;
  /**
   * Proves to the controller that a reconnection comes from this same process (not another one
   * using the name): then it replaces its own stale session at once instead of being refused.
   */
  private readonly secret = randomBytes(18).toString("base64url");
  /** The version of the callback list the controller knows; a REGISTER goes out when it lags. */
  private announcedVersion = -1;
  private registerScheduled = false;
  private stopping?: Promise<void>;
  /** Aborted when the node stops: whatever waits on it (an `eta`, a retry) ends at once. */
  private readonly stopController = new AbortController();

  /** What every call of this process sends, under its own metadata (the Global's `metadata`). */
  readonly defaultMetadata: Metadata | undefined;
  /** The Global's `interceptors`, by side (undefined: none). */
  readonly interceptors: InterceptorChains;
  /** The strategy of calls that name none (the Global's `balancing`). */
  private readonly balancing: Balancing;
  private readonly balancer = new Balancer();
  /** What the controller said it understands (WELCOME): a balancing pick is sent only to one that takes "preferred". */
  private controllerFeatures: readonly string[] = [];
  /** Direct links (both sides), when this node takes part in them. */
  private direct?: DirectEnd;
  /** The ticket the controller gave this node (WELCOME, TICKET) and that controller's key. */
  private directCredentials?: DirectCredentials;
  /** What this node's own ticket says it may call (the controller's rules for its identity). */
  private directRules?: Identity;

  /** Why the last connection attempt or stream ended (for "no controller answered" errors). */
  lastError?: Error;

  constructor(
    readonly processName: string,
    private readonly callbacks: CallbackRegistry,
    private readonly log: Logger,
    private readonly events: NodeEvents,
    options: {
      allowTransfer?: boolean;
      maxConcurrentCalls?: number;
      maxMessageSize?: number;
      maxQueuedBytes?: number;
      balancing?: Balancing;
      metadata?: Metadata;
      interceptors?: InterceptorChains;
    } = {},
  ) {
    this.defaultMetadata = options.metadata;
    this.interceptors = options.interceptors ?? { outgoing: undefined, incoming: undefined };
    this.life = new ConnectionLife(log);
    this.balancing = options.balancing ?? "random";
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.executor = new CallExecutor(
      processName,
      {
        allowTransfer: options.allowTransfer ?? false,
        maxConcurrentCalls: options.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS,
        maxPayload: this.maxMessageSize - 16 * 1024,
        incoming: this.interceptors.incoming,
      },
      callbacks,
      // The answer goes back on the link the call came on: a direct link's, or the controller's.
      (frame) => ((frame.incarnation ?? 0) >= DIRECT_INCARNATION_BASE ? this.direct?.server.send(frame) : this.writer?.send(frame)),
      log,
      new CallStats((process) => this.registry.hasProcess(process)),
    );
  }

  get isConnected(): boolean {
    return this.life.state === "ready";
  }

  /** Times this node was connected to its controller (the first time, then each reconnection). */
  connections = 0;

  /** What this node's callbacks did (metrics, daffi inspect). */
  get stats(): CallStats {
    return this.executor.stats;
  }

  /** Bytes written for the controller that its link has not taken yet. */
  get queuedBytes(): number {
    return this.writer?.heldBytes ?? 0;
  }

  /** The processes this node has a ready direct link to. */
  get directLinks(): string[] {
    return this.direct?.links.readyProcesses() ?? [];
  }

  /** Aborted (with StoppedError) when the node stops. */
  get stopSignal(): AbortSignal {
    return this.stopController.signal;
  }

  /** Connects (retrying until the controller answers); resolves at the first WELCOME. */
  start(address: Address, settings: NodeSettings = {}): Promise<void> {
    if (this.life.state !== "idle") return Promise.reject(new StoppedError("the node was stopped before it started"));
    this.settings = settings;
    this.address = address;
    try {
      if (!settings.local && address.kind === "unix") checkSocketFolder(address.folder, address.socketPath);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const secure = channelCredentials(settings);
    this.client = new grpc.Client(grpcTarget(address), secure.credentials, { ...channelOptions(settings.heartbeat, this.maxMessageSize), ...secure.options });
    this.log.info(`Node has been started successfully. Process identificator: '${this.processName}'. Connection info: ${describeAddress(address)}`);
    this.unsubscribe = this.callbacks.onChange(() => this.scheduleRegister());
    // Nodes in the controller's own process keep the in-memory link; the others listen for direct links first (their HELLO says where).
    if (!settings.local && settings.direct?.enabled) this.direct = new DirectEnd(this.directHost(), address, settings, settings.direct, this.maxMessageSize, this.maxQueuedBytes, this.log);
    const listening = this.direct?.listen() ?? Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.firstConnection = { resolve, reject };
      this.life.to("connecting", "started");
      void listening.then(() => this.connectStream());
    });
  }

  call(name: string, args: unknown[], options: CallOptions): Promise<unknown> {
    return this.open(name, args, options).done;
  }

  /** Told of each call this node makes (metrics): set by the Global's metrics, undefined without. */
  callObserver?: CallObserver;

  /** Sends a call; the id lets the caller send more frames on it (stream items, credit). */
  open(name: string, args: unknown[], options: CallOptions): OpenCall {
    const opened = this.openCall(name, args, options);
    const observer = this.callObserver;
    // daffi's own built-in calls (inspect's, the contract checks') are not the program's: transferAndCall is.
    if (observer && (!name.startsWith(BUILTIN_PREFIX) || name === BUILTIN.transfer)) {
      const began = performance.now();
      observer.started(name);
      opened.done.then(
        () => observer.ended(name, "OK", (performance.now() - began) / 1000),
        (error: unknown) => observer.ended(name, codeOf(error), (performance.now() - began) / 1000),
      );
    }
    return opened;
  }

  private openCall(name: string, args: unknown[], options: CallOptions): OpenCall {
    if (this.life.closed || this.life.state === "draining" || this.stopping) return refused(this.life.refusal ?? new StoppedError(`cannot call '${name}': the node is stopped`));
    if (options.signal?.aborted) return refused(new CancelledError(`the call to '${name}' was cancelled`));
    // The rules of this node's own ticket are the controller's: a call they refuse is refused here, at once, as the controller would.
    const denied = name.length <= MAX_NAME_LENGTH ? this.directRules?.refuseCall(name) : undefined;
    if (denied) return refused(denied);
    if (this.pending.size >= MAX_PENDING_CALLS) return refused(markNotStarted(new OverloadedError(`cannot call '${name}': ${this.pending.size} calls of this process are in flight already`)));
    // A call made inside a callback: it ends when the call it is made in does (deadline, cancellation), and passes its trace context on.
    const within = callStorage.getStore();
    let timeout = options.timeout;
    if (within) {
      const left = within.deadline === undefined ? undefined : (within.deadline - Date.now()) / 1000;
      if ((left !== undefined && left <= 0) || within.aborted instanceof TimeoutError) {
        return refused(new TimeoutError(`cannot call '${name}': the deadline of the call it is made in ('${within.callback}') has passed`));
      }
      if (within.aborted) return refused(new CancelledError(`cannot call '${name}': the call it is made in ('${within.callback}') has ended: ${within.aborted.message}`));
      // A little past the time left: the call it is made in ends first and cancels it (a deadline stays a deadline), so a chain
      // unwinds from its first caller, who sees its own TimeoutError — not an error its deadline caused further down, come back first.
      if (left !== undefined && (timeout === undefined || left < timeout)) timeout = Math.min(timeout ?? Infinity, left + NESTED_DEADLINE_GRACE_S);
    }
    let payload: Buffer;
    let metadata: Metadata;
    try {
      // After outgoing interceptors the metadata is what they left, merged already.
      metadata = options.metadataFinal ? (options.metadata ?? NO_METADATA) : callMetadata(within?.metadata, this.defaultMetadata, options.metadata, name);
      payload = encode(options.schedule ? { args, ...options.schedule } : args);
    } catch (error) {
      return refused(error instanceof DaffiError ? error : new ProtocolError(`arguments of '${name}' cannot be encoded as CBOR: ${String(error)}`));
    }
    if (payload.length > this.maxMessageSize - 16 * 1024) {
      return refused(new PayloadTooLargeError(`the arguments of '${name}' take ${payload.length} bytes, above maxMessageSize (${this.maxMessageSize})`));
    }
    const id = this.pending.allocate();
    const strategy = options.target === undefined && options.mode !== Mode.BROADCAST ? (options.balancing ?? this.balancing) : "random";
    const preferred = options.exclude && options.target === undefined ? this.another(name, options, strategy, payload.length) : strategy === "random" || !this.controllerFeatures.includes("preferred") ? undefined : this.balancer.pick(strategy, name, this.pickable(name, options.accept, payload.length));
    const direct = this.direct && this.directRoute(name, options, preferred, payload.length);
    if (direct instanceof DaffiError) return refused(direct);
    const done = new Promise((resolve, reject) => {
      const timeoutMs = timeout === undefined ? 0 : Math.max(1, Math.round(timeout * 1000));
      const frame: Frame = {
        kind: Kind.CALL,
        callId: id,
        name,
        mode: options.mode,
        payload,
        target: preferred ?? options.target,
        preferred: preferred !== undefined,
        accept: options.accept,
        timeoutMs: Math.min(timeoutMs, MAX_TIMEOUT_MS),
        credit: options.credit,
        itemStream: options.itemStream,
        returnResult: options.broadcast !== undefined,
        metadata,
      };
      if (direct && (options.mode === Mode.NO_RETURN || (options.mode === Mode.BROADCAST && !options.broadcast))) {
        // Nothing comes back: sent is done (as the controller's ACCEPTED, the answer lists where it went).
        if (options.mode === Mode.BROADCAST) frame.mode = Mode.NO_RETURN;
        const now = Date.now();
        for (const peer of direct) {
          peer.lastUsed = now;
          peer.writer.send(frame);
        }
        return resolve(direct.map((peer) => peer.process));
      }
      const call: PendingCall = { id, frame, resolve, reject, sent: false, sink: options.sink, broadcast: options.broadcast };
      if (timeoutMs > 0) {
        const within_ = timeout !== options.timeout ? ` (the time left of '${within!.callback}', the call it is made in)` : "";
        const expire = options.broadcast
          ? () => this.abandon(id, undefined, options.broadcast!.result(timeout))
          : () =>
              this.abandon(
                id,
                new TimeoutError(
                  call.sent
                    ? `'${name}' did not answer within ${shownSeconds(timeout!)}s${within_}`
                    : `'${name}' could not be sent within ${shownSeconds(timeout!)}s${within_}: not connected to the controller`,
                ),
              );
        call.timer = new LongTimeout(expire, timeoutMs);
      }
      const signal = options.signal;
      if (signal || within) {
        const onAbort = () => this.abandon(id, new CancelledError(`the call to '${name}' was cancelled`));
        signal?.addEventListener("abort", onAbort, { once: true });
        // Down the chain with the same kind of reason: a deadline stays a deadline.
        const unlink = within?.onAbort((reason) => {
          const why = `the call it is made in ('${within.callback}') ended: ${reason.message}`;
          this.abandon(id, reason instanceof TimeoutError ? new TimeoutError(`'${name}' did not answer in time: ${why}`) : new CancelledError(`the call to '${name}' was cancelled: ${why}`));
        });
        const release = () => {
          signal?.removeEventListener("abort", onAbort);
          unlink?.();
        };
        call.resolve = (value) => {
          release();
          resolve(value);
        };
        call.reject = (error) => {
          release();
          reject(error);
        };
      }
      // The common case goes straight out; otherwise the call waits in line (for the link, or for room).
      const writer = this.writer;
      if (direct) {
        call.sent = true;
        if (direct.length === 1 && !options.broadcast) call.via = direct[0];
        else call.viaAll = direct;
        this.pending.add(call);
        const now = Date.now();
        for (const peer of direct) {
          peer.calls.add(id);
          peer.lastUsed = now;
          peer.writer.send(frame);
        }
        // A broadcast sent directly knows at once where it went (the controller's ACCEPTED otherwise).
        options.broadcast?.accept(direct.map((peer) => peer.process));
      } else if (this.controllerTakesCalls && writer && this.pending.noneWaiting && this.hasRoom(writer, call)) {
        call.sent = true;
        this.pending.add(call);
        writer.send(frame);
      } else {
        this.pending.add(call);
        this.transmitWaiting();
      }
    });
    if (preferred !== undefined && strategy === "least-busy") {
      this.balancer.started(preferred);
      done.then(
        () => {
          this.balancer.finished(preferred);
          this.balancer.roomAt(preferred, name);
        },
        (error: unknown) => {
          this.balancer.finished(preferred);
          // No room there (its limit, or its load): the next calls prefer the providers that have some.
          if (error instanceof OverloadedError) this.balancer.full(preferred, name);
        },
      );
    }
    return { id, done };
  }

  /**
   * The direct links a call goes on (one; every provider's for a BROADCAST), or undefined: then it
   * goes through the controller, and the links it would have taken are being made for the next calls.
   */
  private directRoute(name: string, options: CallOptions, preferred: string | undefined, bytes: number): DirectPeer[] | DaffiError | undefined {
    const links = this.direct!.links;
    if (options.mode === Mode.BROADCAST && options.target === undefined) {
      const providers = this.candidates(name, options.accept);
      if (providers.length === 0 || providers.includes(this.processName)) return undefined;
      const peers: DirectPeer[] = [];
      for (const process of providers) {
        const peer = links.ready(process, this.registry.address(process), bytes);
        if (peer) peers.push(peer);
      }
      return peers.length === providers.length ? peers : undefined;
    }
    let process = preferred ?? (options.target || undefined);
    if (process === undefined) {
      const providers = this.pickable(name, options.accept, bytes);
      if (providers.length === 0) return undefined;
      process = providers.length === 1 ? providers[0]! : providers[Math.floor(Math.random() * providers.length)]!;
    }
    if (process === this.processName) return undefined;
    const peer = links.ready(process, this.registry.address(process), bytes);
    if (peer) return [peer];
    // With the controller away, a call that the ready link cannot take has nowhere to wait for room: it fails at once.
    if (this.controllerTakesCalls) return undefined;
    const refusal = links.refusal(process, bytes);
    return refusal instanceof OverloadedError ? markNotStarted(refusal, process) : refusal;
  }

  /**
   * A retry: a provider other than those that refused the call (`exclude`), by the call's strategy
   * (at random for "random"); undefined when there is no other (then it may go to the same again).
   */
  private another(name: string, options: CallOptions, strategy: Balancing, bytes: number): string | undefined {
    if (!this.controllerFeatures.includes("preferred") && !this.direct) return undefined;
    const others = this.pickable(name, options.accept, bytes).filter((provider) => !options.exclude!.has(provider));
    if (others.length === 0) return undefined;
    return strategy === "random" ? others[Math.floor(Math.random() * others.length)] : this.balancer.pick(strategy, name, others);
  }

  /**
   * The providers to pick from: the candidates; with the controller away (the registry frozen), only
   * those still linked can answer — one that left would hold the call until the controller is back.
   */
  private pickable(name: string, accept: string | undefined, bytes: number): readonly string[] {
    const providers = this.candidates(name, accept);
    if (this.controllerTakesCalls || !this.direct || providers.length < 2) return providers;
    const linked = providers.filter((provider) => this.direct!.links.ready(provider, this.registry.address(provider), bytes) !== undefined);
    return linked.length > 0 ? linked : providers;
  }

  /** The processes a call of `name` may go to, as this node last heard (those announcing a contract `accept` lists, or none). */
  private candidates(name: string, accept: string | undefined): readonly string[] {
    const providers = this.registry.providers(name);
    if (!providers) return [];
    const { processes, fingerprints } = providers;
    if (!accept || !fingerprints) return processes;
    return processes.filter((_, i) => !fingerprints[i] || listed(accept, fingerprints[i]!));
  }

  /** Another frame of a call in flight (stream item, end, credit); dropped once the call is over. */
  sendOnCall(id: number, frame: Frame): void {
    const call = this.pending.get(id);
    if (!call?.sent) return;
    if (call.via) (call.via as DirectPeer).writer.send({ ...frame, callId: id });
    else if (call.viaAll) for (const peer of call.viaAll) (peer as DirectPeer).writer.send({ ...frame, callId: id });
    else if (this.life.linked) this.writer?.send({ ...frame, callId: id });
  }

  /**
   * Stops: new calls are refused at once, the calls in flight both ways get up to `drainSeconds`
   * to be answered, then the connection closes and whatever is left fails with StoppedError.
   */
  stop(drainSeconds = 5): Promise<void> {
    this.stopping ??= this.drainAndClose(drainSeconds);
    return this.stopping;
  }

  private async drainAndClose(drainSeconds: number): Promise<void> {
    const deadline = Date.now() + drainSeconds * 1000;
    if (this.life.state === "ready") this.life.to("draining", "stop()");
    this.executor.refuseNewCalls();
    // Calls in flight finish while a link can still carry their answers: the controller's, or direct ones (with the controller away too).
    while ((this.life.linked || this.direct?.hasLinks) && (this.pending.size > 0 || !this.executor.idle) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.writer?.close(); // flushes the last answers
    await this.direct?.stop(deadline);
    if (this.life.linked) await this.endGracefully(deadline);
    if (!this.life.closed) this.life.to("closed", "stopped");
    clearTimeout(this.retryTimer);
    this.unsubscribe?.();
    this.stopController.abort(new StoppedError("the node was stopped"));
    this.executor.stop();
    this.pending.rejectAll(() => new StoppedError("the node was stopped before the answer came"));
    this.registry.abandon(new StoppedError("the node was stopped"));
    this.firstConnection?.reject(new StoppedError("the node was stopped before it connected"));
    this.firstConnection = undefined;
    this.stream?.end();
    this.stream?.abort();
    this.client?.close();
    this.log.info("Node stopped.");
  }

  /**
   * Ends our side of the stream and waits until the controller has taken everything and closed its
   * side (or the drain deadline passes): what waits behind HTTP/2 flow control still goes out — an
   * answer is never cut off by our own stop while there is time.
   */
  private async endGracefully(deadline: number): Promise<void> {
    const stream = this.stream;
    if (!stream) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      stream.once("close", resolve);
      stream.once("error", () => resolve());
      timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      stream.end();
    });
    clearTimeout(timer);
  }

  /**
   * Sends the calls waiting in line, in order, while what this node holds for the controller stays
   * within maxQueuedBytes (one call always goes when nothing is held): beyond, calls wait for room,
   * bounded by their timeout, instead of piling up in memory.
   */
  private transmitWaiting(): void {
    const writer = this.writer;
    if (!this.controllerTakesCalls || !writer || this.pending.noneWaiting) return;
    this.pending.sendWaiting(
      (call) => this.hasRoom(writer, call),
      (call) => {
        call.sent = true;
        writer.send(call.frame);
      },
    );
  }

  /** New calls may go to the controller: linked, and it has not said GOAWAY. */
  private get controllerTakesCalls(): boolean {
    return this.life.linked && !this.controllerLeaving;
  }

  private hasRoom(writer: FrameWriter, call: PendingCall): boolean {
    const held = writer.heldBytes;
    return held === 0 || held + (call.frame.payload?.length ?? 0) <= this.maxQueuedBytes;
  }

  /** Why the calls of a lost link end (their signals' reason): this node's own stop, or the link gone. */
  private linkLossReason(): Error {
    return this.stopping ? new StoppedError(`process '${this.processName}' stopped`) : new NodeDisconnectedError("the caller's link is gone");
  }

  /** The caller gives up (timeout, cancel, break): the executing node is told; the promise rejects (or resolves with `value`). */
  abandon(id: number, error: Error | undefined, value?: unknown, reason: CancelReason = cancelReasonOf(error)): void {
    const call = this.pending.take(id);
    if (!call) return;
    const cancel: Frame = { kind: Kind.CANCEL, callId: id, name: reason };
    if (call.via) (call.via as DirectPeer).writer.send(cancel);
    else if (call.viaAll) for (const peer of call.viaAll) (peer as DirectPeer).writer.send(cancel);
    else if (call.sent && this.life.linked) this.writer?.send(cancel);
    if (error) call.reject(error);
    else call.resolve(value);
  }

  /** The controller of this process is back (a NATS hub reconnected): the next attempt is now, not after the backoff. */
  retryNow(): void {
    if (this.life.state !== "connecting" || this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.attempts = 0;
    this.connectStream();
  }

  private connectStream(): void {
    if (!this.client || this.life.state !== "connecting") return;
    const local = this.settings.local?.();
    if (this.settings.local && !local) return this.onStreamClosed(undefined, new Error("the controller of this process is stopped"));
    try {
      // At every attempt: the folder may have changed hands while we were away, and a socket not there yet is not connected to.
      if (!local && this.address?.kind === "unix") checkSocketToConnect(this.address.folder, this.address.socketPath);
    } catch (error) {
      return this.onStreamClosed(undefined, error as Error);
    }
    const stream: Link = local ?? grpcClientLink(this.client);
    const writer = new FrameWriter(stream, this.maxMessageSize);
    writer.onRoom(() => {
      if (this.writer === writer) this.transmitWaiting();
    });
    this.stream = stream;
    this.writer = writer;
    this.controllerLeaving = false;
    let closed = false;
    const close = (error?: Error) => {
      if (closed) return;
      closed = true;
      this.onStreamClosed(writer, error);
    };
    stream.on("data", (frames: ReceivedFrame[]) => {
      if (closed) return;
      for (const frame of frames) {
        try {
          this.onFrame(frame);
        } catch (error) {
          this.log.warn(`Dropped a frame that could not be handled: ${String(error)}`);
        }
      }
    });
    stream.on("error", close);
    stream.on("end", () => close());
    stream.on("close", () => close());
    // A long list of callbacks waits for WELCOME (a REGISTER): a controller reads only a small HELLO from a peer it does not know yet.
    const names = this.callbacks.names();
    const inHello = names.length <= HELLO_CALLBACKS;
    this.announcedVersion = inHello ? this.callbacks.version : -1;
    const hello = {
      protocol: PROTOCOL_VERSION,
      callbacks: inHello ? names : [],
      fingerprints: inHello ? this.callbacks.fingerprints() : [],
      secret: this.secret,
      // It answers a stopping controller's GOAWAY (the controller waits for that answer).
      goaway: true,
      ...(this.settings.token === undefined ? {} : { token: this.settings.token }),
      ...(this.direct ? { key: this.direct.key.publicKey, ...(this.direct.address ? { direct: this.direct.address } : {}) } : {}),
    };
    writer.send({ kind: Kind.HELLO, name: this.processName, payload: encode(hello) });
  }

  /** Callbacks added or changed: one REGISTER per event-loop turn, sent once connected (WELCOME sends what is missing). */
  private scheduleRegister(): void {
    if (this.registerScheduled) return;
    this.registerScheduled = true;
    setImmediate(() => {
      this.registerScheduled = false;
      if (this.life.linked) this.announce();
    });
  }

  private announce(): void {
    if (this.announcedVersion === this.callbacks.version) return;
    this.announcedVersion = this.callbacks.version;
    this.writer?.send({ kind: Kind.REGISTER, payload: encode({ callbacks: this.callbacks.names(), fingerprints: this.callbacks.fingerprints() }) });
  }

  private onFrame(frame: ReceivedFrame): void {
    switch (frame.kind) {
      case Kind.CALL:
        return this.executor.run(frame);
      case Kind.RESULT:
      case Kind.ACCEPTED:
        return this.settle(frame);
      case Kind.STREAM_ITEM:
      case Kind.STREAM_END:
      case Kind.CREDIT:
        // With a target the frame answers one of our calls; without, it belongs to a call we run.
        return frame.target ? this.onStreamFrame(frame) : this.executor.onCallerFrame(frame);
      case Kind.ERROR:
        if (frame.callId !== 0) return this.settle(frame);
        // Without a call: before WELCOME the controller refuses this node; after, it reports a problem (e.g. callbacks it would not register).
        return this.life.linked ? this.notified(frame) : this.refused(frame);
      case Kind.REGISTRY:
        this.registry.update(decode<RegistrySnapshot>(frame.payload));
        return this.direct?.server.revoke();
      case Kind.WELCOME:
        return this.welcomed(frame);
      case Kind.PING:
        return this.writer?.send({ kind: Kind.PONG, callId: frame.callId });
      case Kind.CANCEL:
        return this.executor.onCallerFrame(frame);
      case Kind.PONG:
        return;
      case Kind.TICKET:
        return this.renewTicket(frame);
      case Kind.GOAWAY:
        // Every call sent before this answer reaches the controller before it: it answers or refuses each (StoppedError).
        this.controllerLeaving = true;
        return this.writer?.send({ kind: Kind.GOAWAY });
      default:
        this.log.warn(`Ignored frame of unknown kind ${frame.kind}`);
    }
  }

  /** A frame on the direct link `peer`: it answers a call sent on that link, or is dropped. */
  private onDirectFrame(peer: DirectPeer, frame: ReceivedFrame): void {
    frame.source = peer.process; // whatever it says: the link's handshake proved who is at the other end
    switch (frame.kind) {
      case Kind.RESULT:
        return this.settle(frame, peer);
      case Kind.ERROR:
        if (frame.callId === 0) return this.log.debug(`Process '${shown(peer.process)}' ended the direct link: ${shown(String(decodeOr<WireError>(frame.payload)?.message), 400)}`);
        return this.settle(frame, peer);
      case Kind.STREAM_ITEM:
      case Kind.STREAM_END:
      case Kind.CREDIT:
        return this.onStreamFrame(frame, peer);
      default:
        return;
    }
  }

  /** A direct link that was ready ended: the calls in flight on it fail at once (a broadcast counts that process as gone). */
  private onDirectLost(peer: DirectPeer): void {
    const lost = () => new NodeDisconnectedError(`the direct link to process '${shown(peer.process)}' was lost before the answer came`);
    for (const id of [...peer.calls]) {
      const call = this.pending.get(id);
      peer.calls.delete(id);
      if (!call) continue;
      if (call.broadcast && call.viaAll) {
        call.broadcast.answer(peer.process, lost());
        if (call.broadcast.complete) this.pending.take(id)?.resolve(call.broadcast.result());
      } else {
        this.pending.take(id)?.reject(lost());
      }
    }
  }

  /** The call of this id, when `from` (a direct link, or undefined: the controller) is where its answers come from. */
  private answered(callId: number, from: DirectPeer | undefined): PendingCall | undefined {
    const call = this.pending.get(callId);
    if (!call) return undefined;
    if (call.via || call.viaAll) return from && (call.via === from || call.viaAll?.includes(from)) ? call : undefined;
    return from ? undefined : call;
  }

  private settle(frame: ReceivedFrame, from?: DirectPeer): void {
    const pending = this.answered(frame.callId, from);
    if (!pending) return;
    const collector = pending.broadcast;
    if (collector && from && (frame.kind === Kind.RESULT || frame.kind === Kind.ERROR)) from.calls.delete(frame.callId); // that process answered: done on its link
    if (collector?.receive(frame)) {
      if (collector.complete) this.pending.take(frame.callId)?.resolve(collector.result());
      return;
    }
    // A direct link that takes no new call now (its executor's controller gives no tickets): the call goes through the controller instead.
    if (from && !collector && frame.kind === Kind.ERROR && this.rerouted(frame, from)) return;
    // An executor says so of its own contract on a direct link: as the controller's `stale`, the caller judges again.
    if (from && frame.kind === Kind.ERROR && decode<WireError>(frame.payload)?.code === "CONTRACT_MISMATCH") frame.source = "";
    // Its deadline passed while the answer was on its way (its timer not run yet: a busy event loop): the caller's TimeoutError.
    if (frame.kind === Kind.ERROR && this.pending.get(frame.callId)?.timer?.expireIfDue()) return;
    const call = this.pending.take(frame.callId);
    if (!call) return;
    try {
      if (frame.kind === Kind.ERROR) call.reject(fromWireError(decode<WireError>(frame.payload), frame.source));
      else call.resolve(decode(frame.payload));
    } catch (error) {
      call.reject(new ProtocolError(`the answer of '${shown(frame.source)}' could not be decoded: ${String(error)}`));
    }
  }

  /** A call refused on `from` before it started, to be sent through the controller: back in line (not a stream: its items went on that link). */
  private rerouted(frame: ReceivedFrame, from: DirectPeer): boolean {
    const wire = decodeOr<WireError>(frame.payload);
    if (wire?.data?.reroute !== true) return false;
    const call = this.pending.get(frame.callId);
    if (!call || call.via !== from || call.sink) return false;
    from.calls.delete(call.id);
    call.via = undefined;
    call.sent = false;
    this.pending.requeue(call);
    this.transmitWaiting();
    return true;
  }

  private onStreamFrame(frame: ReceivedFrame, from?: DirectPeer): void {
    if (frame.kind === Kind.STREAM_END) return this.settle(frame, from);
    const sink = this.answered(frame.callId, from)?.sink;
    if (!sink) return;
    if (frame.kind === Kind.CREDIT) return sink.credit(frame.credit);
    try {
      sink.item(decode(frame.payload), frame.payload.length);
    } catch (error) {
      this.abandon(frame.callId, new ProtocolError(`a stream item from '${shown(frame.source)}' could not be decoded: ${String(error)}`));
    }
  }

  private welcomed(frame: ReceivedFrame): void {
    if (this.life.state !== "connecting") return;
    const welcome = welcomeOf(frame.payload);
    this.controllerFeatures = welcome.features;
    this.directCredentials = welcome.controllerKey && welcome.ticket ? { controllerKey: welcome.controllerKey, ticket: welcome.ticket } : undefined;
    const own = this.directCredentials && readTicket(this.directCredentials.ticket, this.directCredentials.controllerKey);
    this.directRules = own && typeof own !== "string" ? new Identity(own.identity, { processNames: [], serve: [], call: own.call, transfer: own.transfer }) : undefined;
    if (this.directCredentials && !this.directRules) this.directCredentials = undefined;
    this.life.to("ready", "welcomed by the controller");
    // Links made under an earlier controller (or ticket) take this one's rules, both ways.
    this.direct?.credentialsChanged();
    this.attempts = 0;
    this.log.info(`Node '${this.processName}' has been connected to Controller`);
    this.connections++;
    this.announce(); // callbacks added since HELLO
    this.transmitWaiting();
    this.firstConnection?.resolve();
    this.firstConnection = undefined;
    this.events.connected();
  }

  /** A fresh ticket from the controller (the last one is about to expire). */
  private renewTicket(frame: ReceivedFrame): void {
    const ticket = decodeOr<{ ticket?: unknown }>(frame.payload)?.ticket;
    if (!this.directCredentials || !(ticket instanceof Uint8Array)) return;
    this.directCredentials = { ...this.directCredentials, ticket };
    this.direct?.links.renewed();
  }

  /** What the direct links need of this node, both sides. */
  private directHost() {
    return {
      processName: this.processName,
      // New links only while the controller is there: it vouches for both ends.
      credentials: () => (this.life.linked ? this.directCredentials : undefined),
      registered: (name: string) => this.registry.providers(name)?.processes.includes(this.processName) ?? false,
      keyOf: (process: string) => this.registry.keyOf(process),
      fingerprint: (name: string) => this.callbacks.get(name)?.metadata?.contract?.fingerprint,
      run: (frame: ReceivedFrame) => this.executor.run(frame),
      onCallerFrame: (frame: ReceivedFrame) => this.executor.onCallerFrame(frame),
      linkLost: (incarnation: number) => this.executor.linkLost((n) => n === incarnation, this.linkLossReason()),
      onFrames: (peer: DirectPeer, frames: ReceivedFrame[]) => {
        for (const frame of frames) {
          try {
            this.onDirectFrame(peer, frame);
          } catch (error) {
            this.log.warn(`Dropped a frame from '${shown(peer.process)}' that could not be handled: ${String(error)}`);
          }
        }
      },
      onLost: (peer: DirectPeer) => this.onDirectLost(peer),
    };
  }

  /** The controller refused this node (e.g. its name is taken): no retry, the error is final. */
  private refused(frame: ReceivedFrame): void {
    const error = fromWireError(decode<WireError>(frame.payload), frame.source);
    this.log.error(`Controller refused this node: ${shown(error.message, 1000)}`);
    this.life.refusal = error;
    if (!this.life.closed) this.life.to("closed", `refused: ${error.code}`);
    this.pending.rejectAll(() => error);
    this.firstConnection?.reject(error);
    this.firstConnection = undefined;
  }

  private notified(frame: ReceivedFrame): void {
    const error = fromWireError(decode<WireError>(frame.payload), frame.source);
    this.log.error(`Controller: ${error.name}: ${shown(error.message, 1000)}`);
  }

  private onStreamClosed(writer: FrameWriter | undefined, error?: Error): void {
    if (error) this.lastError = error;
    writer?.close();
    if (writer && writer !== this.writer) return; // an earlier stream, already replaced
    const wasLinked = this.life.linked;
    // Nothing that belonged to this link outlives it: calls we run end, calls we made fail, the view of the system is stale.
    this.executor.linkLost((incarnation) => incarnation < DIRECT_INCARNATION_BASE, this.linkLossReason());
    // With direct links, who serves what stays known for them (the registry is frozen until the controller is back).
    this.registry.markStale(this.direct !== undefined);
    this.pending.rejectSent(() => new NodeDisconnectedError("the connection to the controller was lost before the answer came"));
    if (this.life.state === "draining") this.life.to("closed", "the link ended while stopping");
    if (wasLinked && !this.life.closed) {
      this.log.warn(`Node '${this.processName}' lost the connection to Controller${error ? `: ${shown(error.message, 1000)}` : ""}`);
      this.life.to("connecting", "the link ended");
      this.events.disconnected();
    }
    if (this.life.state !== "connecting") return;
    // Say once per outage that we are still trying, and why, rather than wait in silence.
    if (this.attempts === 6) this.log.warn(`Still waiting for the controller${this.lastError ? ` (${shown(this.lastError.message, 1000)})` : ""}; retrying every ${RETRY_MAX_MS / 1000}s at most`);
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** this.attempts) * (0.5 + Math.random() / 2);
    this.attempts = Math.min(this.attempts + 1, 16);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connectStream();
    }, delay);
  }
}

/** What a WELCOME says: the features the controller understands (none from one before them), and for direct links its key and this node's ticket. */
function welcomeOf(payload: Uint8Array): { features: readonly string[]; controllerKey?: KeyObject; ticket?: Uint8Array } {
  const welcome = payload.length === 0 ? undefined : decodeOr<{ features?: unknown; controllerKey?: unknown; ticket?: unknown } | null>(payload);
  const features = Array.isArray(welcome?.features) ? welcome.features.filter((feature): feature is string => typeof feature === "string").slice(0, 64) : [];
  const ticket = welcome?.ticket;
  return { features, controllerKey: publicKeyOf(welcome?.controllerKey), ticket: ticket instanceof Uint8Array && ticket.length <= MAX_TICKET_BYTES ? ticket : undefined };
}
