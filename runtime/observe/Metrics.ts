// Prometheus metrics of a Global with prom-client (README: Metrics): per callback (calls by outcome
// code, duration, in flight, queued), per node (connected, reconnects, bytes sent, received and
// queued) and per controller (nodes, calls routed, bytes forwarded, refusals by code). Labels are
// process names, callback names and codes, never arguments; CallStats bounds how many.
import * as http from "node:http";
import type * as promClient from "prom-client";
import type { Router } from "../controller/Router";
import type { CallObserver } from "../node/Node";
import { ConfigurationError } from "../errors/DaffiError";
import { type CallStats, OTHER_CALLBACK, OTHER_CALLER } from "./CallStats";
import { traffic } from "../wire/traffic";
import { hostAllowed, isLoopback } from "./hostCheck";
import { closeHttp, listenHttp } from "./httpServer";
import type { MetricsOptions } from "./MetricsOptions";

/** What one Global shows: its process name, its node's figures, its controller's router. */
export interface MetricSource {
  readonly process: string;
  readonly node?: { readonly stats: CallStats; readonly isConnected: boolean; readonly connections: number; readonly queuedBytes: number; callObserver?: CallObserver | undefined } | undefined;
  readonly router?: Router | undefined;
}

/** Distinct callers named in the labels of one callback's series; later ones count as "_other" (Prometheus keeps every series). */
export const MAX_CALLER_LABELS = 64;

/** Call durations, in seconds: from half a millisecond to ten seconds. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Prom = typeof promClient;

/** What a Global's metrics count themselves: the calls its node makes that are in flight, by callback. */
interface Attached {
  readonly outgoing: Map<string, number>;
}

/** The metrics of one registry, shared by the Globals that use it (a metric name is registered once). */
class MetricSet {
  readonly sources = new Map<MetricSource, Attached>();
  readonly calls: promClient.Counter<"process" | "side" | "callback" | "code">;
  readonly byCaller: promClient.Counter<"process" | "callback" | "caller">;
  readonly duration: promClient.Histogram<"process" | "side" | "callback">;

  constructor(prom: Prom, registry: promClient.Registry) {
    const registers = [registry];
    const sources = this.sources;
    // A gauge or a counter whose values live elsewhere (a node's, a router's): read afresh at each scrape.
    type Read<L extends string> = (set: (labels: Record<L, string>, value: number) => void) => void;
    const readAtScrape = <L extends string>(type: "gauge" | "counter", name: string, help: string, labelNames: L[], read: Read<L>) => {
      const collect = function (this: promClient.Gauge<L> | promClient.Counter<L>) {
        this.reset();
        // A counter has no set: counted up from 0 to the value, after the reset.
        read((labels, value) => (this instanceof prom.Gauge ? this.set(labels as promClient.LabelValues<L>, value) : this.inc(labels as promClient.LabelValues<L>, value)));
      };
      return type === "gauge" ? new prom.Gauge<L>({ name, help, labelNames, registers, collect }) : new prom.Counter<L>({ name, help, labelNames, registers, collect });
    };
    const gauge = <L extends string>(name: string, help: string, labelNames: L[], read: Read<L>) => readAtScrape("gauge", name, help, labelNames, read);
    const counter = <L extends string>(name: string, help: string, labelNames: L[], read: Read<L>) => readAtScrape("counter", name, help, labelNames, read);
    this.calls = new prom.Counter({
      name: "daffi_calls_total",
      help: "Calls ended, by side (server: of this process's callbacks; client: made by this process) and outcome code (OK, or the error code the caller got)",
      labelNames: ["process", "side", "callback", "code"],
      registers,
    });
    this.byCaller = new prom.Counter({ name: "daffi_calls_by_caller_total", help: "Calls of this process's callbacks ended, by calling process", labelNames: ["process", "callback", "caller"], registers });
    this.duration = new prom.Histogram({
      name: "daffi_call_duration_seconds",
      help: "Server: from a call's arrival to its end (answer, stream over, or given up); client: from the call to its outcome",
      labelNames: ["process", "side", "callback"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    const eachCallback = (read: (source: MetricSource, name: string, stats: ReturnType<CallStats["of"]>) => void) => {
      for (const source of sources.keys()) if (source.node) for (const [name, stats] of source.node.stats.entries()) read(source, name, stats);
    };
    gauge("daffi_calls_in_flight", "Calls in flight: server, of the callback running here (those waiting in its concurrency limit's queue included); client, made by this process", ["process", "side", "callback"], (set) => {
      eachCallback((source, callback, stats) => set({ process: source.process, side: "server", callback }, stats.inFlight));
      for (const [source, attached] of sources) for (const [callback, count] of attached.outgoing) set({ process: source.process, side: "client", callback }, count);
    });
    gauge("daffi_calls_queued", "Calls waiting in the callback's concurrency limit's queue (callbacks with a limit)", ["process", "callback"], (set) =>
      eachCallback((source, callback, stats) => stats.queued && set({ process: source.process, callback }, stats.queued())),
    );
    const eachNode = (read: (source: MetricSource, node: NonNullable<MetricSource["node"]>) => void) => {
      for (const source of sources.keys()) if (source.node) read(source, source.node);
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
      for (const source of sources.keys()) if (source.router) read(source, source.router);
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

/** Callback names a process's own calls are labelled with; later ones as "_other". */
const MAX_CALLED_LABELS = 4096;

/** The labelled children of one metric for one Global, kept (no label hashing per call), taken out of the registry when it stops. */
class Children<L extends string, C> {
  private readonly made = new Map<string, C>();
  private readonly labels = new Map<string, Partial<Record<L, string>>>();

  constructor(private readonly metric: { readonly labelNames?: readonly L[]; labels(labels: Partial<Record<L, string>>): C; remove(labels: Partial<Record<L, string>>): void }, private readonly names = labelNamesOf(metric)) {}

  /** The child of these label values, in the metric's label order. */
  of(values: string[]): C {
    const key = values.join("\u0000");
    let child = this.made.get(key);
    if (!child) {
      const labels = Object.fromEntries(this.names.map((name, i) => [name, values[i]])) as Partial<Record<L, string>>;
      child = this.metric.labels(labels);
      this.made.set(key, child);
      this.labels.set(key, labels);
    }
    return child;
  }

  removeAll(): void {
    for (const labels of this.labels.values()) this.metric.remove(labels);
    this.made.clear();
    this.labels.clear();
  }
}

function labelNamesOf<L extends string>(metric: { readonly labelNames?: readonly L[] }): readonly L[] {
  return metric.labelNames ?? [];
}

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
    const outgoing = new Map<string, number>();
    set.sources.set(source, { outgoing });
    const process = source.process;
    const calls = new Children(set.calls);
    const byCaller = new Children(set.byCaller);
    const duration = new Children(set.duration);
    /** The callers named in labels, per callback, for the process's lifetime (a series is never taken back): later ones are "_other". */
    const named = new Map<string, Set<string>>();
    const stop = source.node?.stats.onEnded((callback, caller, code, seconds) => {
      calls.of([process, "server", callback, code]).inc();
      duration.of([process, "server", callback]).observe(seconds);
      const callers = named.get(callback) ?? named.set(callback, new Set()).get(callback)!;
      if (!callers.has(caller) && callers.size >= MAX_CALLER_LABELS) caller = OTHER_CALLER;
      else callers.add(caller);
      byCaller.of([process, callback, caller]).inc();
    });
    const node = source.node;
    /** The callbacks this process calls, as labels: those of the program, bounded all the same. */
    const called = (name: string) => (outgoing.has(name) || outgoing.size < MAX_CALLED_LABELS ? name : OTHER_CALLBACK);
    if (node) {
      node.callObserver = {
        started: (name) => {
          const callback = called(name);
          outgoing.set(callback, (outgoing.get(callback) ?? 0) + 1);
        },
        ended: (name, code, seconds) => {
          const callback = called(name);
          outgoing.set(callback, Math.max(0, (outgoing.get(callback) ?? 1) - 1));
          calls.of([process, "client", callback, code]).inc();
          duration.of([process, "client", callback]).observe(seconds);
        },
      };
    }
    this.detach = () => {
      stop?.();
      if (node) node.callObserver = undefined;
      set.sources.delete(source);
      // A stopped Global's series leave the registry (a shared one would keep every restart's).
      calls.removeAll();
      byCaller.removeAll();
      duration.removeAll();
    };
  }

  /** The metrics in Prometheus's text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Starts the server of `port`, if one is asked; a port in use is a ConfigurationError. */
  async listen(): Promise<void> {
    if (this.options.port === undefined) return;
    ({ server: this.server, port: this.port } = await listenHttp("metrics", this.options.host ?? "127.0.0.1", this.options.port, (request, response) => void this.serve(request, response)));
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
    await closeHttp(server);
  }
}
