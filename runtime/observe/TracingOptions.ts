// The Global's `tracing` option (README: Traces (OpenTelemetry)), typed without OpenTelemetry's own
// types so that daffi's declarations compile in projects that do not install @opentelemetry/api.
import { ConfigurationError } from "../errors/DaffiError";
import { passed } from "../errors/passed";

/** `tracing: { … }` of Global: where daffi's spans go. */
export interface TracingOptions {
  /**
   * The OpenTelemetry `TracerProvider` daffi takes its tracer from (a `BasicTracerProvider`,
   * `NodeTracerProvider`, …); default the global one (`trace.getTracerProvider()`). Given, tracing is
   * on even when no provider is registered globally.
   */
  tracerProvider?: { getTracer(name: string, version?: string): unknown } | undefined;
}

/** Checks the option: true, false, or `{ tracerProvider? }`. */
export function checkTracingOption(value: unknown): void {
  if (value === undefined || typeof value === "boolean") return;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ConfigurationError(`tracing must be true, false or { tracerProvider }, got ${passed(value)}`);
  const { tracerProvider, ...rest } = value as TracingOptions;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new ConfigurationError(`tracing has no option '${unknown[0]}' (options: tracerProvider)`);
  if (tracerProvider !== undefined && typeof (tracerProvider as { getTracer?: unknown } | null)?.getTracer !== "function") {
    throw new ConfigurationError(`tracing.tracerProvider must be an OpenTelemetry TracerProvider (with getTracer), got ${passed(tracerProvider)}`);
  }
}
