// @opentelemetry/api, an optional peer dependency: required once, at the first Global that may trace,
// never at module load; absent, daffi makes no spans and costs nothing.
import type * as OpenTelemetry from "@opentelemetry/api";

export type OpenTelemetryApi = typeof OpenTelemetry;

let loaded: OpenTelemetryApi | null | undefined;

/** The API, or undefined when it is not installed. */
export function openTelemetry(): OpenTelemetryApi | undefined {
  if (loaded === undefined) {
    try {
      loaded = require("@opentelemetry/api") as OpenTelemetryApi;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}

/**
 * Whether an SDK registered a tracer provider globally. Without one every span would be the API's
 * no-op, so daffi adds no interceptors at all: the calls of a process that merely has the API installed
 * (often as somebody else's dependency) take the path they take without it.
 */
export function tracerProviderRegistered(api: OpenTelemetryApi): boolean {
  const provider = api.trace.getTracerProvider() as { getDelegate?: () => unknown };
  // Not the API's proxy (a provider of another kind set as the global): something is there.
  if (typeof provider.getDelegate !== "function" || typeof api.ProxyTracerProvider !== "function") return true;
  return provider.getDelegate() !== new api.ProxyTracerProvider().getDelegate();
}

/** daffi's version, for its tracer (`daffi`, version). */
export function daffiVersion(): string | undefined {
  try {
    // dist/runtime/observe/openTelemetry.js → the package's own package.json.
    return (require("../../../package.json") as { version?: string }).version;
  } catch {
    return undefined;
  }
}
