// Variants of the bench's daffi processes, against plain daffi in the same run (DAFFI_BENCH_VARIANT):
// "intercepted": one no-op interceptor on each side (the fg_seq_intercepted rows, issue 18);
// "metrics": Prometheus metrics on (the fg_seq_metrics rows, issue 20), in the worker and the client.
import type { GlobalOptions } from "../runtime";

export type Variant = "intercepted" | "metrics";

const variant = process.env.DAFFI_BENCH_VARIANT as Variant | undefined;

export const benchOptions: Pick<GlobalOptions, "interceptors" | "metrics"> =
  variant === "intercepted" ? { interceptors: [{ outgoing: (call, next) => next(call), incoming: (call, next) => next(call) }] } : variant === "metrics" ? { metrics: {} } : {};
