// The W3C trace context of a call, carried in its metadata as `traceparent` and `tracestate`: through
// the global propagator when an SDK registered one, else written and read here (the API's default
// propagator does nothing, and W3CTraceContextPropagator lives in @opentelemetry/core, not the API).
import type { Context, SpanContext, TextMapGetter, TextMapSetter } from "@opentelemetry/api";
import { TRACE_KEYS } from "../context/metadata";
import type { OpenTelemetryApi } from "./openTelemetry";

const setter: TextMapSetter<Map<string, string>> = {
  set: (metadata, key, value) => void metadata.set(key, value),
};
const getter: TextMapGetter<Map<string, string>> = {
  get: (metadata, key) => metadata.get(key),
  keys: (metadata) => [...metadata.keys()],
};

/** A global propagator was registered (the API's no-op one lists no fields). */
function globalPropagator(api: OpenTelemetryApi): boolean {
  return api.propagation.fields().length > 0;
}

/**
 * Writes the context's span into the call's metadata, replacing the trace context the call inherited
 * from the one it is made in. A context without a valid span (the API's no-op) leaves it as it is.
 */
export function injectTrace(api: OpenTelemetryApi, context: Context, metadata: Map<string, string>): void {
  const span = api.trace.getSpanContext(context);
  if (!span || !api.isSpanContextValid(span)) return;
  for (const key of TRACE_KEYS) metadata.delete(key);
  if (globalPropagator(api)) return api.propagation.inject(context, metadata, setter);
  metadata.set("traceparent", `00-${span.traceId}-${span.spanId}-${(span.traceFlags & 0xff).toString(16).padStart(2, "0")}`);
  const state = span.traceState?.serialize();
  if (state) metadata.set("tracestate", state);
}

/** The remote span context a call's metadata carries, as a child of `base`; `base` itself when it carries none (or one not valid). */
export function extractTrace(api: OpenTelemetryApi, base: Context, metadata: Map<string, string>): Context {
  if (globalPropagator(api)) return api.propagation.extract(base, metadata, getter);
  const parent = parseTraceparent(metadata.get("traceparent"));
  if (!parent) return base;
  const state = metadata.get("tracestate");
  if (state && typeof api.createTraceState === "function") parent.traceState = api.createTraceState(state);
  return api.trace.setSpanContext(base, parent);
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** A `traceparent` as W3C Trace Context level 1 reads it: version 00 exactly, a later version with what follows ignored. */
function parseTraceparent(value: string | undefined): SpanContext | undefined {
  if (value === undefined) return undefined;
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, traceFlags: parseInt(flags, 16), isRemote: true };
}
