// The public API of daffi.
export { Global } from "./global/Global";
export type { GlobalOptions, LifecycleHook } from "./global/GlobalOptions";
export type { NatsOptions, NatsTlsOptions } from "./nats/NatsOptions";
export type { MetricsOptions } from "./observe/MetricsOptions";
export type { DashboardOptions } from "./observe/DashboardOptions";
export type { Topology, ProcessView, CallbackView, EdgeView } from "./observe/SystemView";
export type { CallProxy } from "./global/callProxy";
export { RemoteCall } from "./call/RemoteCall";
export { currentCall, outsideCall } from "./context/CallContext";
export type { Interceptor, InterceptorStep, InterceptedCall } from "./context/Interceptor";
export type { CallContext } from "./context/CallContext";
export type { TracingOptions } from "./observe/TracingOptions";
export { FG, BG, NO_RETURN, PERIOD, BROADCAST } from "./call/modifiers";
export type { FGOptions, BGOptions, NoReturnOptions, PeriodOptions, BroadcastOptions, Modifier, ModifierFactory, RetryOptions } from "./call/modifiers";
/** How a caller spreads its calls over a callback's providers: "random" (default), "round-robin", "least-busy". */
export type { Balancing } from "./call/Balancer";
export { AsyncResult } from "./call/AsyncResult";
export { ScheduledTask } from "./call/ScheduledTask";
export type { BroadcastResult } from "./call/BroadcastCollector";
export { Callback } from "./registry/Callback";
export { callback } from "./registry/callbackFunction";
export { local, alias, limit } from "./registry/decorators";
export type { Limit } from "./registry/marks";
export type { CallbackOptions } from "./registry/callbackFunction";
export type { DaffiMethodDecorator } from "./registry/decorators";
export { Fetcher } from "./fetcher/Fetcher";
export { fetcher } from "./fetcher/fetcherFunction";
export { args } from "./fetcher/args";
export type { Args } from "./fetcher/args";
export type { FetcherConstructor, Promisified, Remote, StreamWithModifier, WithModifier } from "./fetcher/types";
export type { ClassMetadata, MethodMetadata, FunctionMetadata, Validator, ValidationOutcome } from "./registry/metadata";
export type { LogLevel, LogFormat, LogFields, LogSink } from "./log/Logger";
export {
  DaffiError,
  RemoteError,
  ValidationError,
  CallbackNotFoundError,
  TimeoutError,
  NodeDisconnectedError,
  TransferNotAllowedError,
  StoppedError,
  CancelledError,
  ScheduledTaskNotFoundError,
  PayloadTooLargeError,
  ProcessNameInUseError,
  ProtocolError,
  ConfigurationError,
  PermissionDeniedError,
  OverloadedError,
  ContractMismatchError,
} from "./errors/DaffiError";
export type { ErrorCode } from "./errors/DaffiError";
