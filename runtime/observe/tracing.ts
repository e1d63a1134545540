// Traces (README: Traces (OpenTelemetry)): a CLIENT span around each call this process makes and a
// SERVER span around each call it runs — daffi's own interceptor pair, the first of the Global's on
// each side — linked by the W3C trace context in the call's metadata, so that one trace spans every hop.
import type { Attributes, Span, Tracer } from "@opentelemetry/api";
import { callStorage } from "../context/CallContext";
import type { CallScope } from "../context/CallScope";
import type { InterceptedCall, Interceptor, Next } from "../context/Interceptor";
import { ConfigurationError, DaffiError } from "../errors/DaffiError";
import { daffiVersion, openTelemetry, type OpenTelemetryApi, tracerProviderRegistered } from "./openTelemetry";
import { extractTrace, injectTrace } from "./traceContext";
import type { TracingOptions } from "./TracingOptions";

/**
 * The interceptor that traces this process's calls; undefined (no interceptor, no cost) with
 * `tracing: false`, without @opentelemetry/api, or without a tracer provider (given, or registered
 * globally by an SDK when the Global is created).
 */
export function tracingInterceptor(option: boolean | TracingOptions | undefined): Interceptor | undefined {
  if (option === false) return undefined;
  const provider = typeof option === "object" ? option.tracerProvider : undefined;
  const api = openTelemetry();
  if (!api) {
    if (provider) throw new ConfigurationError("tracing.tracerProvider needs @opentelemetry/api, which is not installed (npm i @opentelemetry/api)");
    return undefined;
  }
  if (!provider && !tracerProviderRegistered(api)) return undefined;
  const tracer = (provider ?? api.trace.getTracerProvider()).getTracer("daffi", daffiVersion()) as Tracer;
  return {
    outgoing: (call, next) => {
      const active = api.context.active();
      // Made in no span but with a traceparent of the caller's own (say, from an HTTP request): that trace goes on.
      const parent = api.trace.getSpan(active) ? active : extractTrace(api, active, call.metadata);
      const span = tracer.startSpan(`daffi ${call.name}`, { kind: api.SpanKind.CLIENT, attributes: attributesOf(call) }, parent);
      const inSpan = api.trace.setSpan(parent, span);
      injectTrace(api, inSpan, call.metadata);
      return api.context.with(inSpan, traced, undefined, api, span, next, call, undefined);
    },
    incoming: (call, next) => {
      // The call's parent is what it carries, never the context its frame happened to arrive in.
      const parent = extractTrace(api, api.ROOT_CONTEXT, call.metadata);
      const span = tracer.startSpan(`daffi ${call.name}`, { kind: api.SpanKind.SERVER, attributes: attributesOf(call) }, parent);
      // The callback runs inside: the calls it makes are children of this span.
      return api.context.with(api.trace.setSpan(parent, span), traced, undefined, api, span, next, call, callStorage.getStore() ?? null);
    },
  };
}

function attributesOf(call: InterceptedCall): Attributes {
  const attributes: Attributes = { "rpc.system": "daffi", "daffi.callback": call.name, "daffi.caller": call.caller, "daffi.modifier": call.modifier };
  if (call.target !== undefined) attributes["daffi.target"] = call.target;
  if (call.stream !== undefined) attributes["daffi.stream"] = call.stream;
  return attributes;
}

/**
 * Carries the call on and ends the span with its outcome (a stream's: when it ends). `scope` is the
 * executor's (null: none), undefined on the caller: a call its caller gave up on (cancelled, past its
 * deadline, its caller gone) ends as that, even when the callback returned.
 */
function traced(api: OpenTelemetryApi, span: Span, next: Next, call: InterceptedCall, scope: CallScope | null | undefined): Promise<unknown> {
  return next(call).then(
    (value) => {
      const abandoned = scope?.aborted;
      if (abandoned) failed(api, span, abandoned, true);
      else {
        span.setAttribute("daffi.code", "OK");
        span.end();
      }
      return value;
    },
    (error: unknown) => {
      failed(api, span, scope?.aborted ?? error, scope !== undefined);
      throw error;
    },
  );
}

function failed(api: OpenTelemetryApi, span: Span, error: unknown, executor: boolean): void {
  span.setAttribute("daffi.code", codeOf(error, executor));
  span.setStatus({ code: api.SpanStatusCode.ERROR, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  span.end();
}

/**
 * A DaffiError's code. Anything else: on the executor, REMOTE (what its caller gets for a callback's
 * own error); on the caller, UNKNOWN (a throw of one of its outgoing interceptors).
 */
function codeOf(error: unknown, executor: boolean): string {
  if (error instanceof DaffiError) return error.code;
  return executor ? "REMOTE" : "UNKNOWN";
}
