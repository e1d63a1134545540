// With DAFFI_BENCH_INTERCEPT=1 each daffi process of the bench runs one no-op interceptor on each side (the fg_seq_intercepted rows).
import type { Interceptor } from "../runtime";

export const benchInterceptors: Interceptor[] | undefined =
  process.env.DAFFI_BENCH_INTERCEPT === "1" ? [{ outgoing: (call, next) => next(call), incoming: (call, next) => next(call) }] : undefined;
