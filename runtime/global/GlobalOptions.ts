// Options of Global, checked once so that a typo fails fast with a clear message.
import { type Balancing, checkBalancing } from "../call/Balancer";
import { passed } from "../errors/passed";
import { type NatsOptions, natsOptions } from "../nats/NatsOptions";
import { ConfigurationError } from "../errors/DaffiError";
import { isLogSink, type LogFormat, type LogLevel, type LogSink } from "../log/Logger";
import type { Global } from "./Global";
import type { TlsOptions } from "../wire/tls";
import { type AuthOptions, checkAuthOptions } from "../auth/AuthOptions";
import { MAX_NAME_LENGTH } from "../wire/limits";
import { MAX_TIMER_MS } from "../call/LongTimeout";
import { checkMetadata } from "../context/metadata";
import { checkMetricsOptions, type MetricsOptions } from "../observe/MetricsOptions";
import { checkDashboardOptions, type DashboardOptions } from "../observe/DashboardOptions";
import { type Interceptor, interceptorChains } from "../context/Interceptor";
import { checkTracingOption, type TracingOptions } from "../observe/TracingOptions";

/** `onInit`, `onNodeConnect`, `onNodeDisconnect`: called with the Global and its process name; may be async (a rejection is logged). */
export type LifecycleHook = (g: Global, processName: string) => unknown;

/** Options of `Global.start` / `new Global` (README: Global). Unknown keys and wrong values throw ConfigurationError at once. */
export interface GlobalOptions extends TlsOptions {
  /** Name other processes see this one by; default a random "0x…" id. */
  processName?: string | undefined;
  /** Run a controller in this process (default false). */
  initController?: boolean | undefined;
  /** Run a node in this process (default true). */
  initNode?: boolean | undefined;
  /** TCP host; with neither host nor port a UNIX socket is used. */
  host?: string | undefined;
  /** TCP port; 0 or absent with a host = a random free port (see `g.port`). */
  port?: number | undefined;
  /** Folder of the UNIX socket (`<folder>/.sock`); default `<os.tmpdir()>/daffi`. */
  unixSockPath?: string | undefined;
  /** Seconds `Global.start` waits for the controller before TimeoutError; default: no limit. */
  connectTimeout?: number | undefined;
  /** Seconds between heartbeats; a peer silent for about twice that is dropped (default 10). */
  heartbeat?: number | undefined;
  /** Largest message in bytes, both ways (default 64 MiB); a bigger call fails with a clear error. */
  maxMessageSize?: number | undefined;
  /**
   * Bytes held for one peer that it has not taken yet (default 64 MiB). Controller: per node; beyond
   * it, calls to that node fail with OverloadedError, and a node leaving twice that unread is
   * disconnected. Node: what it holds for the controller; beyond it, new calls wait for room.
   */
  maxQueuedBytes?: number | undefined;
  /**
   * How this process's calls pick among a callback's providers, unless a call or fetcher says:
   * "random" (default: the controller picks), "round-robin" (each in turn, per callback),
   * "least-busy" (the one with the fewest of this process's calls in flight, ties at random).
   */
  balancing?: Balancing | undefined;
  /** Metadata every call of this process sends, under each call's own (README: Call context): string keys and values, at most 8 KiB. */
  metadata?: Readonly<Record<string, string>> | undefined;
  /**
   * Code around every call (README: Interceptors): `outgoing(call, next)` around each call this
   * process makes, `incoming(call, next)` around each call it runs, first to last; streams count as
   * one call each.
   */
  interceptors?: Interceptor[] | undefined;
  /**
   * Traces with OpenTelemetry (README: Traces (OpenTelemetry)): with @opentelemetry/api installed and
   * a tracer provider registered by an SDK before the Global is created, a CLIENT span per call made
   * and a SERVER span per call run, named `daffi <callback>`. Default true; false makes none;
   * `{ tracerProvider }` takes the tracer from that provider.
   */
  tracing?: boolean | TracingOptions | undefined;
  /**
   * Direct links (default true, or $DAFFI_DIRECT=0 for false): a node calls the others on links of
   * their own (one hop), the controller only finding who serves what. On a controller, false gives
   * its nodes no tickets, so none of them uses direct links. See README, Direct links.
   */
  direct?: boolean | undefined;
  /** Node with TCP: the host its direct-link server binds and others reach it at (default: the interface it reaches the controller from). */
  directHost?: string | undefined;
  /** Node with TCP: the port of its direct-link server (default a free one). */
  directPort?: number | undefined;
  /** Node: the most calls it runs at once (plain calls and streams); beyond, OverloadedError (default 10,000). */
  maxConcurrentCalls?: number | undefined;
  /** Let other nodes run functions here with transferAndCall (default false: refused). */
  allowTransfer?: boolean | undefined;
  /**
   * What a fetcher does when a callback's announced signature does not serve the one it was compiled
   * against (README, Contract checks): "strict" (default) fails the call with ContractMismatchError,
   * "warn" logs once per provider and calls, "off" does not compare.
   */
  contract?: "strict" | "warn" | "off" | undefined;
  /**
   * daffi on a NATS cluster instead of a controller (README: Scaling out: daffi on NATS): the servers, NATS's own
   * authentication and TLS, and a namespace for the subjects. Default: $DAFFI_NATS (servers,
   * comma-separated), else none.
   */
  nats?: NatsOptions | undefined;
  /** Controller: who may connect, under which process names, serving and calling what (see README, Security). Default: anyone who reaches the socket. */
  auth?: AuthOptions | undefined;
  /** Node: the secret that proves its identity to a controller with `auth`. Never logged. */
  token?: string | undefined;
  /** Prometheus metrics with prom-client (README: Metrics): `{ port }` serves GET /metrics (loopback unless `host`); `{}` only for `g.metrics()`; `registry` to use the program's own. */
  metrics?: MetricsOptions | undefined;
  /** A live page of the system's topology (README: Dashboard): `{ port, host?, token? }`; loopback unless `host`; with auth (or a node token) `token` is required. */
  dashboard?: DashboardOptions | undefined;
  /** "silent" silences daffi's logs; default $DAFFI_LOG_LEVEL or "info". */
  logLevel?: LogLevel | undefined;
  /** "text" (default: the spec's lines) or "json" (one JSON object per line on stderr); default $DAFFI_LOG_FORMAT (README: Logs). */
  logFormat?: LogFormat | undefined;
  /** The program's own logger (console, winston, pino, …): daffi's records go to it, as `info(message, fields)`, instead of stderr (README: Logs). */
  logger?: LogSink | undefined;
  /**
   * Stop gracefully on SIGINT and SIGTERM (calls in flight finish, the socket file is removed), then
   * exit with code 0; a second signal exits at once (code 130). Default false: signals are the
   * program's own business.
   */
  handleSignals?: boolean | undefined;
  /** Runs once, when the Global is ready. */
  onInit?: LifecycleHook | undefined;
  /** Runs on each (re)connection of this node to the controller. */
  onNodeConnect?: LifecycleHook | undefined;
  /** Runs each time this node loses the controller. */
  onNodeDisconnect?: LifecycleHook | undefined;
}

/** Heartbeats drive gRPC's keepalive timers, which cannot be longer than about 24.8 days (twice a heartbeat, for a HELLO). */
const MAX_HEARTBEAT_SECONDS = Math.floor(MAX_TIMER_MS / 2 / 1000);

const known = new Set<string>([
  "processName",
  "initController",
  "initNode",
  "host",
  "port",
  "unixSockPath",
  "connectTimeout",
  "allowTransfer",
  "contract",
  "heartbeat",
  "maxMessageSize",
  "maxConcurrentCalls",
  "maxQueuedBytes",
  "balancing",
  "metadata",
  "interceptors",
  "tracing",
  "direct",
  "directHost",
  "directPort",
  "sslCertificate",
  "sslKey",
  "sslCa",
  "sslClientCa",
  "sslServerName",
  "logLevel",
  "logFormat",
  "metrics",
  "dashboard",
  "logger",
  "handleSignals",
  "auth",
  "nats",
  "token",
  "onInit",
  "onNodeConnect",
  "onNodeDisconnect",
]);

export function checkOptions(options: GlobalOptions): void {
  if (typeof options !== "object" || options === null) throw new ConfigurationError("Global options must be an object");
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new ConfigurationError(`unknown Global option '${key}'`);
  }
  const { processName, host, port, unixSockPath, initController, initNode } = options;
  if (processName !== undefined && (typeof processName !== "string" || processName.length === 0 || processName.length > MAX_NAME_LENGTH)) {
    throw new ConfigurationError(`processName must be a string of 1 to ${MAX_NAME_LENGTH} characters, got ${passed(processName)}`);
  }
  if (host !== undefined && (typeof host !== "string" || host.length === 0)) throw new ConfigurationError(`host must be a non-empty string, got ${passed(host)}`);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new ConfigurationError(`port must be an integer from 0 to 65535, got ${passed(port)}`);
  }
  if (unixSockPath !== undefined && (typeof unixSockPath !== "string" || unixSockPath.length === 0)) {
    throw new ConfigurationError(`unixSockPath must be a folder path, got ${passed(unixSockPath)}`);
  }
  if (unixSockPath !== undefined && (host !== undefined || port !== undefined)) {
    throw new ConfigurationError("give either unixSockPath or host/port, not both");
  }
  if ((initController ?? false) === false && (initNode ?? true) === false) {
    throw new ConfigurationError("initController and initNode are both false: nothing to start");
  }
  if (options.heartbeat !== undefined && (typeof options.heartbeat !== "number" || !(options.heartbeat > 0) || options.heartbeat > MAX_HEARTBEAT_SECONDS)) {
    throw new ConfigurationError(`heartbeat must be a positive number of seconds, at most ${MAX_HEARTBEAT_SECONDS} (gRPC's keepalive timers end there), got ${passed(options.heartbeat)}`);
  }
  if (options.connectTimeout !== undefined && (typeof options.connectTimeout !== "number" || !Number.isFinite(options.connectTimeout) || options.connectTimeout <= 0)) {
    throw new ConfigurationError(`connectTimeout must be a positive number of seconds, got ${passed(options.connectTimeout)}`);
  }
  if (options.maxMessageSize !== undefined && (!Number.isInteger(options.maxMessageSize) || options.maxMessageSize < 1024)) {
    throw new ConfigurationError(`maxMessageSize must be a whole number of bytes, at least 1024, got ${passed(options.maxMessageSize)}`);
  }
  checkBalancing(options.balancing, "balancing");
  checkMetadata(options.metadata, "metadata");
  checkMetricsOptions(options.metrics);
  const dashboard = checkDashboardOptions(options.dashboard);
  if (dashboard && initNode === false) {
    throw new ConfigurationError("dashboard needs a node in this process, to read the other processes' figures: initNode must not be false (daffi controller --dashboard-port runs one)");
  }
  if (dashboard && dashboard.token === undefined && (options.auth !== undefined || options.token !== undefined)) {
    throw new ConfigurationError("with auth (or a node token) the dashboard needs dashboard.token: the secret its page asks for");
  }
  interceptorChains(options.interceptors);
  checkTracingOption(options.tracing);
  if (options.direct !== undefined && typeof options.direct !== "boolean") throw new ConfigurationError(`direct must be true or false, got ${passed(options.direct)}`);
  if (options.directHost !== undefined && (typeof options.directHost !== "string" || options.directHost.length === 0)) {
    throw new ConfigurationError(`directHost must be a non-empty string, got ${passed(options.directHost)}`);
  }
  if (options.directPort !== undefined && (!Number.isInteger(options.directPort) || options.directPort < 0 || options.directPort > 65535)) {
    throw new ConfigurationError(`directPort must be an integer from 0 to 65535, got ${passed(options.directPort)}`);
  }
  if (options.maxQueuedBytes !== undefined && (!Number.isInteger(options.maxQueuedBytes) || options.maxQueuedBytes < 1024)) {
    throw new ConfigurationError(`maxQueuedBytes must be a whole number of bytes, at least 1024, got ${passed(options.maxQueuedBytes)}`);
  }
  if (options.maxConcurrentCalls !== undefined && (!Number.isInteger(options.maxConcurrentCalls) || options.maxConcurrentCalls < 1)) {
    throw new ConfigurationError(`maxConcurrentCalls must be a whole number, at least 1, got ${passed(options.maxConcurrentCalls)}`);
  }
  if (options.logLevel !== undefined && !["debug", "info", "warn", "error", "silent"].includes(options.logLevel)) {
    throw new ConfigurationError(`logLevel must be "debug", "info", "warn", "error" or "silent", got ${passed(options.logLevel)}`);
  }
  if (options.logFormat !== undefined && options.logFormat !== "text" && options.logFormat !== "json") {
    throw new ConfigurationError(`logFormat must be "text" or "json", got ${passed(options.logFormat)}`);
  }
  if (options.logger !== undefined && !isLogSink(options.logger)) {
    throw new ConfigurationError(`logger must be an object with debug, info, warn and error functions (console, pino, winston, …), got ${passed(options.logger)}`);
  }
  if (options.handleSignals !== undefined && typeof options.handleSignals !== "boolean") {
    throw new ConfigurationError(`handleSignals must be true or false, got ${passed(options.handleSignals)}`);
  }
  if (options.contract !== undefined && !["strict", "warn", "off"].includes(options.contract)) {
    throw new ConfigurationError(`contract must be "strict", "warn" or "off", got ${passed(options.contract)}`);
  }
  if (options.nats !== undefined) {
    natsOptions(options.nats);
    if (initController) throw new ConfigurationError("with nats there is no controller: initController must not be true");
    if (initNode === false) throw new ConfigurationError("with nats each process runs a node: initNode must not be false");
    if (options.auth !== undefined) throw new ConfigurationError("auth is an option of the controller; on NATS, NATS's own permissions say who may publish what (README: Scaling out: daffi on NATS)");
    const conflicting = (["host", "port", "unixSockPath", "token", "direct", "directHost", "directPort", "sslCertificate", "sslKey", "sslCa"] as const).find((key) => options[key] !== undefined);
    if (conflicting) throw new ConfigurationError(`${conflicting} is an option of the link to a controller; with nats, give the servers' settings in nats (servers, token, user, pass, tls)`);
  }
  if (options.auth !== undefined) {
    if (!initController) throw new ConfigurationError("auth is an option of the controller: give it with initController: true");
    checkAuthOptions(options.auth);
  }
  if (options.token !== undefined && (typeof options.token !== "string" || options.token.length === 0)) {
    throw new ConfigurationError("token must be a non-empty string (is its environment variable set?)");
  }
  for (const hook of ["onInit", "onNodeConnect", "onNodeDisconnect"] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== "function") throw new ConfigurationError(`${hook} must be a function, got ${passed(options[hook])}`);
  }
}

/**
 * The NATS settings of a Global: its `nats` option; else $DAFFI_NATS (servers, comma-separated) for a
 * Global that names no controller (no host, port, unixSockPath or initController); else none.
 */
export function natsOf(options: GlobalOptions): NatsOptions | undefined {
  if (options.nats !== undefined) return natsOptions(options.nats);
  if (options.host !== undefined || options.port !== undefined || options.unixSockPath !== undefined || options.initController || options.initNode === false) return undefined;
  return natsOptions(undefined);
}

/** Whether direct links are on: the option, else $DAFFI_DIRECT ("0", "false", "off": off), else on. */
export function directEnabled(option: boolean | undefined): boolean {
  if (option !== undefined) return option;
  const env = process.env.DAFFI_DIRECT?.trim().toLowerCase();
  return !(env === "0" || env === "false" || env === "off");
}
