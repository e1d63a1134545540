// What a call asks of the node: how it is carried out, and what the caller gets back to follow it.
import type { Balancing } from "../call/Balancer";
import type { BroadcastCollector } from "../call/BroadcastCollector";
import type { Mode } from "../wire/Kind";
import type { Schedule } from "./Scheduler";
import type { StreamSink } from "./StreamSink";

export interface CallOptions {
  mode: Mode;
  /** Seconds to wait for the answer; undefined = no limit. */
  timeout?: number;
  /** Pin the call to this process instead of letting the controller pick a provider. */
  target?: string;
  /** How to pick among the callback's providers when there is no target (default: the Global's `balancing`). */
  balancing?: Balancing;
  /** The contract fingerprints the caller accepts (space-separated): the controller picks among providers announcing one. */
  accept?: string;
  /** Aborting it cancels the call: CANCEL goes to the executing node, the promise rejects with CancelledError. */
  signal?: AbortSignal;
  /** A stream reader: the first credit granted to the executing node (it may then send that many items). */
  credit?: number;
  /** The arguments follow as STREAM_ITEMs (args is then empty). */
  itemStream?: boolean;
  /** Receives the stream frames of this call (items, end, credit). */
  sink?: StreamSink;
  /** BROADCAST with results: gathers one answer per process; the call resolves with them. */
  broadcast?: BroadcastCollector;
  /** Sent with the call (checked: runtime/context/metadata.ts), over the process's defaults. */
  metadata?: Readonly<Record<string, string>>;
  /** A retry: the providers that refused it before it started; another is picked when there is one. */
  exclude?: ReadonlySet<string>;
  /** `metadata` is all the call sends (outgoing interceptors had it merged): nothing is added. */
  metadataFinal?: boolean;
  /** PERIOD: when the executing node runs the call (sent with the arguments). */
  schedule?: Schedule;
}

export interface OpenCall {
  readonly id: number;
  /** Settles with the result (a stream: when it ends), or the error. */
  readonly done: Promise<unknown>;
}

export interface NodeEvents {
  connected(): void;
  disconnected(): void;
}
