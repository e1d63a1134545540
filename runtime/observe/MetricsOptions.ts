// The `metrics` option of Global (README: Metrics), checked.
import { ConfigurationError } from "../errors/DaffiError";
import { passed } from "../errors/passed";

/** `metrics`: Prometheus metrics of this process (prom-client); `{}` for `g.metrics()` only. */
export interface MetricsOptions {
  /** Serve `GET /metrics` on this port (0: a free one, see `g.metricsPort`); default: no server. */
  port?: number | undefined;
  /** The interface the server binds (default 127.0.0.1: loopback only). */
  host?: string | undefined;
  /** A prom-client `Registry` of the program's own to put daffi's metrics in (default: one of daffi's, per Global). */
  registry?: unknown;
}

export function checkMetricsOptions(value: unknown): MetricsOptions | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ConfigurationError(`metrics must be an object { port?, host?, registry? }, got ${passed(value)}`);
  const { port, host, registry, ...rest } = value as MetricsOptions;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new ConfigurationError(`metrics has no option '${unknown[0]}' (options: port, host, registry)`);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new ConfigurationError(`metrics.port must be an integer from 0 to 65535, got ${passed(port)}`);
  if (host !== undefined && (typeof host !== "string" || host.length === 0)) throw new ConfigurationError(`metrics.host must be a non-empty string, got ${passed(host)}`);
  if (host !== undefined && port === undefined) throw new ConfigurationError("metrics.host needs metrics.port: without a port no server is started");
  if (registry !== undefined && !isRegistry(registry)) {
    throw new ConfigurationError(`metrics.registry must be a prom-client Registry (new Registry() of prom-client 15), got ${passed(registry)}`);
  }
  return { port, host, registry };
}

/** A prom-client registry, by its surface (the program may load its own copy of prom-client). */
function isRegistry(value: unknown): boolean {
  const registry = value as { metrics?: unknown; registerMetric?: unknown; getSingleMetric?: unknown; contentType?: unknown } | null;
  return typeof registry === "object" && registry !== null && typeof registry.metrics === "function" && typeof registry.registerMetric === "function" && typeof registry.getSingleMetric === "function";
}
