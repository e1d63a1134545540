// Prometheus metrics of a Global with prom-client (README: Metrics): per callback (calls by outcome
// code, duration, in flight, queued), per node (connected, reconnects, bytes sent, received and
// queued) and per controller (nodes, calls routed, bytes forwarded, refusals by code). Labels are
// process names, callback names and codes, never arguments; CallStats bounds how many.
import * as http from "node:http";
import type * as promClient from "prom-client";
import type { Router } from "../controller/Router";
import { ConfigurationError } from "../errors/DaffiError";
import { type CallStats, OTHER_CALLER } from "./CallStats";
import { traffic } from "../wire/traffic";
import { hostAllowed, isLoopback } from "./hostCheck";
import type { MetricsOptions } from "./MetricsOptions";

/** What one Global shows: its process name, its node's figures, its controller's router. */
export interface MetricSource {
  readonly process: string;
  readonly node?: { readonly stats: CallStats; readonly isConnected: boolean; readonly connections: number; readonly queuedBytes: number } | undefined;
  readonly router?: Router | undefined;
}

/** Distinct callers named in the labels of one callback's series; later ones count as "_other" (Prometheus keeps every series). */
export const MAX_CALLER_LABELS = 64;

/** Call durations, in seconds: from half a millisecond to ten seconds. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Prom = typeof promClient;

/** The metrics of one registry, shared by the Globals that use it (a metric name is registered once). */
class MetricSet {
  readonly sources = new Set<MetricSource>();
  readonly calls: promClient.Counter<"process" | "callback" | "caller" | "code">;
  readonly duration: promClient.Histogram<"process" | "callback">;

  constructor(prom: Prom, registry: promClient.Registry) {
    const registers = [registry];
    const sources = this.sources;
    const gauge = <L extends string>(name: string, help: string, labelNames: L[], read: (set: (labels: Record<L, string>, value: number) => void) => void) =>
      new prom.Gauge<L>({
        name,
        help,
        labelNames,
        registers,
        collect(this: promClient.Gauge<L>) {
          this.reset();
          read((labels, value) => this.set(labels as promClient.LabelValues<L>, value));
        },
      });
    // A counter whose value lives elsewhere (a node's, a router's): read at each scrape.
    const counter = <L extends string>(name: string, help: string, labelNames: L[], read: (set: (labels: Record<L, string>, value: number) => void) => void) =>
      new prom.Counter<L>({
        name,
        help,
        labelNames,
        registers,
        collect(this: promClient.Counter<L>) {
          this.reset();
          read((labels, value) => this.inc(labels as promClient.LabelValues<L>, value));
        },
      });
    this.calls = new prom.Counter({ name: "daffi_callback_calls_total", help: "Calls of this process's callbacks ended, by outcome code (OK, or the error code its caller got)", labelNames: ["process", "callback", "caller", "code"], registers });
    this.duration = new prom.Histogram({ name: "daffi_callback_duration_seconds", help: "Time from a call's arrival to its end (answer, stream over, or given up)", labelNames: ["process", "callback"], buckets: DURATION_BUCKETS, registers });
    const eachCallback = (read: (source: MetricSource, name: string, stats: ReturnType<CallStats["of"]>) => void) => {
      for (const source of sources) if (source.node) for (const [name, stats] of source.node.stats.entries()) read(source, name, stats);
    };
    gauge("daffi_callback_in_flight", "Calls of the callback running now (those waiting in its concurrency limit's queue included)", ["process", "callback"], (set) =>
      eachCallback((source, callback, stats) => set({ process: source.process, callback }, stats.inFlight)),
    );
    gauge("daffi_callback_queued", "Calls waiting in the callback's concurrency limit's queue (callbacks with a limit)", ["process", "callback"], (set) =>
      eachCallback((source, callback, stats) => stats.queued && set({ process: source.process, callback }, stats.queued())),
    );
    const eachNode = (read: (source: MetricSource, node: NonNullable<MetricSource["node"]>) => void) => {
      for (const source of sources) if (source.node) read(source, source.node);
    };
    gauge("daffi_node_connected", "1 while the node is connected to its controller (or NATS), else 0", ["process"], (set) => eachNode((source, node) => set({ process: source.process }, node.isConnected ? 1 : 0)));
    counter("daffi_node_reconnects_total", "Times the node connected again after losing its controller", ["process"], (set) =>
      eachNode((source, node) => set({ process: source.process }, Math.max(0, node.connections - 1))),
    );
    gauge("daffi_node_queued_bytes", "Bytes written for the controller that its link has not taken yet", ["process"], (set) => eachNode((source, node) => set({ process: source.process }, node.queuedBytes)));
    // The OS process's, whichever Globals it runs: one series, with no process label (summing over Globals would count it again).
    const once = (read: () => number) => (set: (labels: Record<never, string>, value: number) => void) => sources.size > 0 && set({}, read());
    counter("daffi_sent_bytes_total", "Bytes of daffi messages this OS process sent (controller and direct links, NATS), all its Globals together", [], once(() => traffic.sent));
    counter("daffi_received_bytes_total", "Bytes of daffi messages this OS process received (controller and direct links, NATS), all its Globals together", [], once(() => traffic.received));
    const eachRouter = (read: (source: MetricSource, router: Router) => void) => {
      for (const source of sources) if (source.router) read(source, source.router);
    };
    gauge("daffi_controller_nodes", "Nodes connected to the controller", ["process"], (set) => eachRouter((source, router) => set({ process: source.process }, router.nodeCount)));
    counter("daffi_controller_calls_routed_total", "Calls the controller sent on to their executors", ["process"], (set) => eachRouter((source, router) => set({ process: source.process }, router.counters.routed)));
    counter("daffi_controller_forwarded_bytes_total", "Bytes of calls, answers and stream frames the controller forwarded", ["process"], (set) =>
      eachRouter((source, router) => set({ process: source.process }, router.counters.forwardedBytes)),
    );
    counter("daffi_controller_refusals_total", "Nodes (kind=node) and calls (kind=call) the controller refused, by error code", ["process", "kind", "code"], (set) =>
      eachRouter((source, router) => {
        for (const [code, count] of Object.entries(router.counters.refusedNodes)) set({ process: source.process, kind: "node", code }, count);
        for (const [code, count] of Object.entries(router.counters.refusedCalls)) set({ process: source.process, kind: "call", code }, count);
      }),
    );
  }
}

const sets = new WeakMap<object, MetricSet>();

/** prom-client, an optional peer dependency: loaded only by a Global with `metrics` (a process without them pays nothing). */
function loadPromClient(): Prom {
  try {
    return require("prom-client") as Prom;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw error;
    throw new ConfigurationError("metrics need prom-client, an optional peer dependency of daffi: npm i prom-client@15");
  }
}

/** A Global's metrics: its registry, the calls of its node counted into it, and the HTTP server of `port`. */
export class Metrics {
  /** Private, as every prom-client type here: daffi's declarations never name prom-client (an optional peer). */
  private readonly registry: promClient.Registry;
  private readonly detach: () => void;
  private server?: http.Server;
  /** The port the server bound (0 asked: the one picked); undefined without a server. */
  port?: number;

  constructor(
    private readonly options: MetricsOptions,
    source: MetricSource,
  ) {
    const prom = loadPromClient();
    this.registry = (options.registry as promClient.Registry | undefined) ?? new prom.Registry();
    let set = sets.get(this.registry);
    if (!set) {
      try {
        set = new MetricSet(prom, this.registry);
      } catch (error) {
        throw new ConfigurationError(`metrics.registry already has metrics of daffi's names that daffi did not make: ${error instanceof Error ? error.message : String(error)}`);
      }
      sets.set(this.registry, set);
    }
    set.sources.add(source);
    const { calls, duration } = set;
    const process = source.process;
    // The labelled children, kept: no label hashing per call.
    const counted = new Map<string, promClient.Counter.Internal>();
    const timed = new Map<string, promClient.Histogram.Internal<"process" | "callback">>();
    /** The callers named in labels, per callback, for the process's lifetime (a series is never taken back): later ones are "_other". */
    const named = new Map<string, Set<string>>();
    const stop = source.node?.stats.onEnded((callback, caller, code, seconds) => {
      const key = `${callback}\u0000${caller}\u0000${code}`;
      let child = counted.get(key);
      if (!child) {
        const callers = named.get(callback) ?? named.set(callback, new Set()).get(callback)!;
        if (!callers.has(caller) && callers.size >= MAX_CALLER_LABELS) return void this.countAsOther(counted, calls, process, callback, code, timed, duration, seconds);
        callers.add(caller);
        counted.set(key, (child = calls.labels({ process, callback, caller, code })));
      }
      child.inc();
      let timer = timed.get(callback);
      if (!timer) timed.set(callback, (timer = duration.labels({ process, callback })));
      timer.observe(seconds);
    });
    this.detach = () => {
      stop?.();
      set.sources.delete(source);
      // A stopped Global's series leave the registry (a shared one would keep every restart's).
      for (const key of counted.keys()) {
        const [callback, caller, code] = key.split("\u0000") as [string, string, string];
        calls.remove({ process, callback, caller, code });
      }
      for (const callback of timed.keys()) duration.remove({ process, callback });
    };
  }

  /** A call of a caller beyond the labels' bound: counted under caller "_other". */
  private countAsOther(
    counted: Map<string, promClient.Counter.Internal>,
    calls: promClient.Counter<"process" | "callback" | "caller" | "code">,
    process: string,
    callback: string,
    code: string,
    timed: Map<string, promClient.Histogram.Internal<"process" | "callback">>,
    duration: promClient.Histogram<"process" | "callback">,
    seconds: number,
  ): void {
    const key = `${callback}\u0000${OTHER_CALLER}\u0000${code}`;
    let child = counted.get(key);
    if (!child) counted.set(key, (child = calls.labels({ process, callback, caller: OTHER_CALLER, code })));
    child.inc();
    let timer = timed.get(callback);
    if (!timer) timed.set(callback, (timer = duration.labels({ process, callback })));
    timer.observe(seconds);
  }

  /** The metrics in Prometheus's text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Starts the server of `port`, if one is asked; a port in use is a ConfigurationError. */
  async listen(): Promise<void> {
    if (this.options.port === undefined) return;
    const host = this.options.host ?? "127.0.0.1";
    const server = http.createServer((request, response) => void this.serve(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) =>
        reject(new ConfigurationError(error.code === "EADDRINUSE" ? `metrics: port ${this.options.port} on ${host} is in use: give another, or 0 for a free one` : `metrics: cannot listen on ${host}:${this.options.port}: ${error.message}`)),
      );
      server.listen(this.options.port, host, resolve);
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
  }

  private async serve(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    // On loopback, only requests addressed as loopback (a page of another site reaching the port by DNS rebinding is not answered).
    const host = this.options.host ?? "127.0.0.1";
    if (isLoopback(host) && !hostAllowed(request.headers.host, host, false)) {
      response.writeHead(421, { "content-type": "text/plain" }).end("these metrics answer only as localhost\n");
      return;
    }
    const path = (request.url ?? "/").split("?")[0];
    if (path !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found: metrics are at /metrics\n");
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("only GET\n");
      return;
    }
    try {
      const text = await this.text();
      response.writeHead(200, { "content-type": this.registry.contentType });
      response.end(request.method === "HEAD" ? undefined : text);
    } catch (error) {
      response.writeHead(500, { "content-type": "text/plain" }).end(`metrics failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }

  /** Stops counting, takes this Global out of the registry and closes the server. */
  async stop(): Promise<void> {
    this.detach();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
