// Global: the entry point. Starts a controller, a node or both, and carries out remote calls.
import { checkMetadata } from "../context/metadata";
import { randomBytes } from "node:crypto";
import type { Invoker } from "../call/Invoker";
import { type Admit, carryOut } from "../call/carryOut";
import { ContractCheck } from "../contract/ContractCheck";
import type { MethodContract } from "../contract/Shape";
import { LongTimeout } from "../call/LongTimeout";
import { StreamReader } from "../call/StreamReader";
import type { BroadcastOptions, FGOptions } from "../call/modifiers";
import { intercepted } from "../call/intercepted";
import { interceptorChains } from "../context/Interceptor";
import { tracingInterceptor } from "../observe/tracing";
import { broadcastStream, writeStream } from "../call/writeStream";
import { Controller } from "../controller/Controller";
import { ConfigurationError, StoppedError, TimeoutError } from "../errors/DaffiError";
import { routeGrpcLogs } from "../log/grpcLog";
import { defaultLogLevel, Logger } from "../log/Logger";
import { Node } from "../node/Node";
import { BUILTIN } from "../node/builtins";
import { Mode } from "../wire/Kind";
import { localCallbacks } from "../registry/CallbackRegistry";
import { lostAutoInitClasses } from "../registry/Callback";
import { untransformedLogTo, warnLostAutoInit } from "../registry/untransformed";
import { RegistryView } from "../registry/RegistryView";
import { type Address, resolveAddress } from "../wire/address";
import { activate, deactivate } from "./activeGlobals";
import { type CallProxy, callProxy } from "./callProxy";
import { passed } from "../errors/passed";
import { NatsHub } from "../nats/NatsHub";
import { checkOptions, directEnabled, natsOf, type GlobalOptions, type LifecycleHook } from "./GlobalOptions";
import { stopOnSignals } from "./signals";
import { Metrics } from "../observe/Metrics";
import { checkMetricsOptions } from "../observe/MetricsOptions";
import { Dashboard } from "../observe/Dashboard";
import { checkDashboardOptions } from "../observe/DashboardOptions";
import { SystemView } from "../observe/SystemView";

const nodes = new WeakMap<Global, Node>();

/** The node of a Global (undefined when it runs none): for daffi's own tools (`daffi call --process` pins a call on it), not exported by the package. */
export function nodeOf(g: Global): Node | undefined {
  return nodes.get(g);
}

/** The entry point: starts a controller, a node or both (`await Global.start(options)`), carries out `g.call` and fetcher calls, and stops them (`await g.stop()`). */
export class Global implements AsyncDisposable {
  readonly processName: string;
  /** `g.call.name(...args)`: an untyped remote call (fetchers are the typed way). */
  readonly call: CallProxy;
  private readonly controller?: Controller;
  /** On NATS: the hub in place of a controller (runtime/nats/NatsHub.ts). */
  private readonly hub?: NatsHub;
  private readonly node?: Node;
  /** Prometheus metrics (`metrics`): this Global's node and controller in a prom-client registry. */
  private readonly metricsOf?: Metrics;
  /** The live topology page (`dashboard`). */
  private readonly dashboard?: Dashboard;
  private readonly log: Logger;
  private readonly ready: Promise<void>;
  private readonly stopped: Promise<void>;
  private markStopped!: () => void;
  private stopping?: Promise<void>;
  private address: Address;
  private initialized = false;
  private connectedBeforeInit = false;
  /** What this process knows of the system: the node's view, or (controller only) one fed by the router. */
  private readonly registry: RegistryView;
  /** Compares fetchers' contracts with the providers' (README: Contract checks); none with `contract: "off"`. */
  private readonly contracts?: ContractCheck;
  private readonly controllerLog: Logger;
  private readonly releaseGrpcLogs: () => void;
  /** Started by `Global.start`, which throws a start failure to its caller. */
  private awaited = false;
  private failedComponent?: "controller" | "node";

  /** Starts in the background; calls wait until the node is connected. Prefer `await Global.start(...)`. */
  constructor(options: GlobalOptions = {}) {
    checkOptions(options);
    this.processName = options.processName ?? `0x${randomBytes(4).toString("hex")}`;
    this.address = resolveAddress(options);
    const level = options.logLevel ?? defaultLogLevel();
    const output = { format: options.logFormat, sink: options.logger };
    untransformedLogTo(level, output);
    this.log = new Logger(options.initNode === false ? "controller" : "node", this.processName, level, output);
    this.releaseGrpcLogs = routeGrpcLogs(this.log);
    this.controllerLog = new Logger("controller", this.processName, level, output);
    const nats = natsOf(options);
    if (nats) this.hub = new NatsHub(nats, this.processName, this.controllerLog, options);
    if (options.initController) this.controller = new Controller(this.address, this.processName, this.controllerLog, options, { ...options, direct: directEnabled(options.direct) });
    if (options.initNode ?? true) {
      this.node = new Node(
        this.processName,
        localCallbacks,
        new Logger("node", this.processName, level, output),
        {
          // The first connection is reported after onInit, which waits for it.
          connected: () => (this.initialized ? this.runHook(options.onNodeConnect, "onNodeConnect") : (this.connectedBeforeInit = true)),
          disconnected: () => this.runHook(options.onNodeDisconnect, "onNodeDisconnect"),
        },
        {
          allowTransfer: options.allowTransfer,
          maxConcurrentCalls: options.maxConcurrentCalls,
          maxMessageSize: options.maxMessageSize,
          maxQueuedBytes: options.maxQueuedBytes,
          balancing: options.balancing,
          metadata: checkMetadata(options.metadata, "metadata"),
          interceptors: interceptorChains(options.interceptors, tracingInterceptor(options.tracing)),
        },
      );
    }
    if (this.node) nodes.set(this, this.node);
    this.registry = this.node?.registry ?? new RegistryView();
    const metrics = checkMetricsOptions(options.metrics);
    if (metrics) this.metricsOf = new Metrics(metrics, { process: this.processName, node: this.node, router: this.controller?.router });
    const dashboard = checkDashboardOptions(options.dashboard);
    if (dashboard && this.node) {
      const view = new SystemView(this, this.node, new Set(), this.controller ? this.processName : undefined);
      this.dashboard = new Dashboard(dashboard, view, () => this.registry.version, this.log);
    }
    if (this.node && options.contract !== "off") this.contracts = new ContractCheck(this.registry, this.readContract, options.contract ?? "strict", this.log);
    this.call = callProxy(this.invoker);
    if (this.node) activate(this.invoker);
    this.stopped = new Promise((resolve) => (this.markStopped = resolve));
    this.ready = this.startComponents(options);
    // A service compiled without the transformer would expose nothing, and say nothing: it is said once
    // the start is done and the code after it ran (a class the program creates itself is not lost).
    if (this.node) void this.ready.then(() => setImmediate(() => warnLostAutoInit(lostAutoInitClasses(), level, output)), () => undefined);
    if (options.handleSignals) this.handleSignals();
    // A start that fails stops the Global. `Global.start` throws the error (it is not logged too);
    // a background start (`new Global`) logs it, labelled by the component that failed, and `join` rejects with it.
    this.ready.catch((error: unknown) => {
      if (this.stopping) return; // stopped while starting: nothing went wrong
      if (!this.awaited) (this.failedComponent === "controller" ? this.controllerLog : this.log).error(`Start failed: ${error instanceof Error ? error.message : String(error)}`);
      void this.stop();
    });
  }

  /** Creates a Global and resolves once its controller listens and its node is connected. */
  static async start(options: GlobalOptions = {}): Promise<Global> {
    const g = new Global(options);
    g.awaited = true;
    await g.ready;
    return g;
  }

  get isController(): boolean {
    return this.controller !== undefined;
  }

  /** TCP host in use, undefined on a UNIX socket. */
  get host(): string | undefined {
    return this.address.kind === "tcp" ? this.address.host : undefined;
  }

  /** TCP port in use (the one the controller bound when 0 was asked), undefined on a UNIX socket. */
  get port(): number | undefined {
    return this.address.kind === "tcp" ? this.address.port : undefined;
  }

  /** Folder of the UNIX socket in use, undefined on TCP. */
  get unixSockPath(): string | undefined {
    return this.address.kind === "unix" ? this.address.folder : undefined;
  }

  /**
   * This process's metrics in Prometheus's text format (README: Metrics): what `GET /metrics` serves.
   * ConfigurationError when the Global was started without `metrics`.
   */
  async metrics(): Promise<string> {
    if (!this.metricsOf) throw new ConfigurationError("this Global has no metrics: start it with metrics: {} (or metrics: { port })");
    return this.metricsOf.text();
  }

  /** The port of the live topology page (`dashboard: { port }`; the one picked for 0), undefined without one. */
  get dashboardPort(): number | undefined {
    return this.dashboard?.port;
  }

  /** The port of the metrics server (`metrics: { port }`; the one picked for 0), undefined without one. */
  get metricsPort(): number | undefined {
    return this.metricsOf?.port;
  }

  /** Callback name → names of the processes exposing it, as last announced by the controller. */
  get registeredCallbacks(): Record<string, string[]> {
    return this.registry.registeredCallbacks();
  }

  /** The processes this node has a direct link to now (its calls to them take one hop); empty without direct links. */
  get directLinks(): string[] {
    return this.node?.directLinks ?? [];
  }

  /** Resolves when a process of that name is connected; TimeoutError after `timeout` seconds. */
  async waitProcess(name: string, options: { timeout?: number | undefined } = {}): Promise<void> {
    const timeout = waitArguments("waitProcess", name, options);
    const view = this.liveView();
    await view.waitUntil(() => view.hasProcess(name), `process '${name}'`, timeout);
  }

  /** Resolves when some connected process exposes that callback; TimeoutError after `timeout` seconds. */
  async waitFunction(name: string, options: { timeout?: number | undefined } = {}): Promise<void> {
    const timeout = waitArguments("waitFunction", name, options);
    const view = this.liveView();
    await view.waitUntil(() => view.hasCallback(name), `callback '${name}'`, timeout);
  }

  /**
   * Runs `fn` on that process (its source is sent: it must not close over local variables; it may
   * `require` what it needs) and returns its result. The process must have started with
   * `allowTransfer: true`, else TransferNotAllowedError.
   */
  async transferAndCall<A extends unknown[], R>(process: string, fn: (...args: A) => R, ...args: A): Promise<Awaited<R>> {
    if (typeof fn !== "function") throw new ConfigurationError("transferAndCall(process, fn, ...args) needs a function");
    const source = Function.prototype.toString.call(fn);
    return (await this.callingNode("transferAndCall").call(BUILTIN.transfer, [source, args], { mode: Mode.FG, target: process })) as Awaited<R>;
  }

  /** The ids of the tasks scheduled (PERIOD) on that process. */
  async getScheduledTasks(process: string): Promise<string[]> {
    return (await this.callingNode("getScheduledTasks").call(BUILTIN.scheduledTasks, [], { mode: Mode.FG, target: process })) as string[];
  }

  /** Cancels a scheduled task of that process; ScheduledTaskNotFoundError if it has no such task. */
  async cancelScheduledTask(process: string, id: string): Promise<void> {
    await this.callingNode("cancelScheduledTask").call(BUILTIN.cancelScheduledTask, [id], { mode: Mode.FG, target: process });
  }

  /** Resolves when the Global is stopped (rejects if it failed to start). */
  async join(): Promise<void> {
    await Promise.all([this.ready, this.stopped]);
  }

  /** Stops the node (pending calls fail with StoppedError), then the controller. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      deactivate(this.invoker);
      await this.node?.stop();
      await this.controller?.stop();
      await this.hub?.stop();
      await this.metricsOf?.stop();
      await this.dashboard?.stop();
      this.registry.abandon(new StoppedError("the Global was stopped"));
      this.releaseGrpcLogs();
      this.markStopped();
    })();
    return this.stopping;
  }

  /** `handleSignals: true`: SIGINT/SIGTERM stop this Global (and the others that asked), then the process exits 0. */
  private handleSignals(): void {
    const release = stopOnSignals({ stop: () => this.stop(), signalLog: this.log });
    void this.stopped.then(release); // stopped another way: the signals are the program's own again
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private readonly invoker: Invoker = {
    invoke: (name, args, modifier, checkResult, contract) => carryOut(this.callingNode(name), name, args, modifier, checkResult, this.admitFor(name, contract)),
    read: (name, args, checkItem, contract, modifier) =>
      new StreamReader(this.callingNode(name), name, args, checkItem, this.admitFor(name, contract), (modifier?.options as FGOptions | undefined)?.metadata),
    write: (name, items, contract, modifier) => {
      const node = this.callingNode(name);
      const metadata = (modifier?.options as FGOptions | BroadcastOptions | undefined)?.metadata;
      // Around the stream as a whole: the last outgoing interceptor's metadata goes with its call(s).
      return intercepted(node, name, [], { mode: modifier?.kind === "BROADCAST" ? Mode.BROADCAST : Mode.FG, metadata }, (options) =>
        modifier?.kind === "BROADCAST"
          ? broadcastStream(node, name, items, modifier.options as BroadcastOptions, options.metadata, options.metadataFinal)
          : writeStream(node, name, items, this.admitFor(name, contract), options.metadata, options.metadataFinal),
        "write",
      );
    },
  };

  /** The contract check of one call (none without a contract, or with `contract: "off"`). */
  private admitFor(name: string, contract: MethodContract | undefined): Admit | undefined {
    const check = this.contracts;
    return contract && check ? (broadcast, deadline) => check.admit(name, contract, broadcast, deadline) : undefined;
  }

  /**
   * Each provider's signature of that callback, in TypeScript syntax, as its process announced it
   * (undefined for a process compiled without the transformer). `{}` when nobody serves it.
   */
  async signatureOf(name: string): Promise<Record<string, string | undefined>> {
    const check = this.contracts ?? this.readOnlyContracts();
    return check.signatures(name);
  }

  /** The text of a provider's contract: the built-in call, pinned to that process. */
  private readonly readContract = (process: string, name: string, timeoutSeconds: number): Promise<unknown> =>
    this.callingNode("signatureOf").call(BUILTIN.signature + name, [], { mode: Mode.FG, target: process, timeout: timeoutSeconds });

  private readOnlyContracts(): ContractCheck {
    return new ContractCheck(this.registry, this.readContract, "warn", this.log);
  }

  private callingNode(name: string): Node {
    if (!this.node) throw new ConfigurationError(`cannot call '${name}': this process runs no node (initNode: false)`);
    return this.node;
  }

  private async startComponents(options: GlobalOptions): Promise<void> {
    if (this.metricsOf) {
      await this.metricsOf.listen();
      const { port } = this.metricsOf;
      if (port !== undefined) this.log.info(`Metrics served at http://${hostInUrl(options.metrics?.host ?? "127.0.0.1")}:${port}/metrics`);
    }
    if (this.dashboard) {
      await this.dashboard.listen();
      this.log.info(`Dashboard at http://${hostInUrl(this.dashboard.host)}:${this.dashboard.port}/`);
    }
    if (this.controller) {
      await this.controller.start().catch((error: unknown) => {
        this.failedComponent = "controller";
        throw error;
      });
      this.address = this.controller.address;
      const { router } = this.controller;
      if (!this.node) router.onRegistryChange(() => this.registry.update(router.snapshot()));
    }
    if (this.hub) {
      const hub = this.hub;
      await withConnectTimeout(hub.start(), options.connectTimeout, () => `no NATS server answered within ${options.connectTimeout}s${hub.lastError ? ` (last error: ${hub.lastError.message})` : ""}`).catch(async (error: unknown) => {
        await hub.stop(0, 0);
        this.failedComponent = "controller";
        throw error;
      });
    }
    if (this.node) await this.connectNode(options);
    this.runHook(options.onInit, "onInit");
    this.initialized = true;
    if (this.connectedBeforeInit) this.runHook(options.onNodeConnect, "onNodeConnect");
  }

  private async connectNode(options: GlobalOptions): Promise<void> {
    const node = this.node!;
    const { controller, hub } = this;
    const direct = { enabled: !hub && directEnabled(options.direct), host: options.directHost, port: options.directPort };
    const local = hub ? () => hub.connectLocal() : controller && (() => controller.connectLocal());
    if (hub) hub.onReopen = () => node.retryNow();
    const connecting = node.start(this.address, { ...options, direct, local });
    await withConnectTimeout(connecting, options.connectTimeout, () => `no controller answered within ${options.connectTimeout}s${node.lastError ? ` (last error: ${node.lastError.message})` : ""}`);
  }

  private liveView(): RegistryView {
    if (this.stopping) throw new StoppedError("the Global is stopped");
    return this.registry;
  }

  private runHook(hook: LifecycleHook | undefined, name: string): void {
    if (!hook) return;
    try {
      const result = hook(this, this.processName);
      if (result instanceof Promise) result.catch((error: unknown) => this.log.error(`${name} failed: ${String(error)}`));
    } catch (error) {
      this.log.error(`${name} failed: ${String(error)}`);
    }
  }
}

/** `connecting`, or TimeoutError with `message()` after `timeoutSeconds` (none: no limit). */
async function withConnectTimeout(connecting: Promise<void>, timeoutSeconds: number | undefined, message: () => string): Promise<void> {
  if (timeoutSeconds === undefined) return connecting;
  let timer: LongTimeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = new LongTimeout(() => reject(new TimeoutError(message())), timeoutSeconds * 1000);
  });
  try {
    await Promise.race([connecting, timeout]);
  } finally {
    timer?.clear();
  }
}

/**
 * The timeout of waitProcess/waitFunction, its arguments checked: a wait that cannot end because
 * of a mistyped argument (`waitProcess("x", 5)`, a name that is not a string) is refused, not forever.
 */
function waitArguments(method: string, name: unknown, options: unknown): number | undefined {
  if (typeof name !== "string" || name === "") throw new ConfigurationError(`${method}(name, { timeout? }) needs a name, got ${passed(name)}`);
  if (options === undefined) return undefined;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new ConfigurationError(`${method}(name, { timeout? }): the options must be an object, got ${passed(options)}${typeof options === "number" ? ` (for a timeout: { timeout: ${options} })` : ""}`);
  }
  const unknown = Object.keys(options).find((key) => key !== "timeout");
  if (unknown !== undefined) throw new ConfigurationError(`${method}: unknown option '${unknown}' (only timeout)`);
  const { timeout } = options as { timeout?: unknown };
  if (timeout === undefined) return undefined;
  if (typeof timeout !== "number" || Number.isNaN(timeout) || timeout < 0) {
    throw new ConfigurationError(`${method}: timeout must be a number of seconds (0: check once, Infinity: no limit), got ${passed(timeout)}`);
  }
  return timeout === Number.POSITIVE_INFINITY ? undefined : timeout;
}

/** A host as a URL shows it (an IPv6 address in brackets). */
function hostInUrl(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
