// gRPC channel options shared by the controller's server and the nodes' clients.
import type { ChannelOptions } from "@grpc/grpc-js";

/** Default seconds between heartbeats (HTTP/2 keepalive pings) on an idle connection. */
export const DEFAULT_HEARTBEAT_SECONDS = 10;

/** Default largest message (a batch of frames), in bytes. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * Default bound of the bytes held for one peer that it has not taken yet (the controller's queue
 * for a node; a node's for the controller). Beyond it new calls are refused (controller) or wait
 * (node); a peer that leaves twice that waiting on the controller is disconnected.
 */
export const DEFAULT_MAX_QUEUED_BYTES = 64 * 1024 * 1024;

/**
 * A peer that does not answer a heartbeat within `heartbeat` seconds is dropped: a frozen node
 * (e.g. SIGSTOP) is detected within about twice the heartbeat, and its calls fail.
 */
export function channelOptions(heartbeatSeconds = DEFAULT_HEARTBEAT_SECONDS, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES): ChannelOptions {
  const heartbeatMs = Math.max(100, Math.round(heartbeatSeconds * 1000));
  return {
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
    "grpc.keepalive_time_ms": heartbeatMs,
    "grpc.keepalive_timeout_ms": heartbeatMs,
    "grpc.keepalive_permit_without_calls": 1,
    // The server accepts the peers' pings at that pace (instead of answering GOAWAY too_many_pings).
    "grpc.http2.min_ping_interval_without_data_ms": Math.floor(heartbeatMs / 2),
    "grpc.http2.min_time_between_pings_ms": Math.floor(heartbeatMs / 2),
    // One long-lived stream per node: gRPC's retry layer (which holds each message until it is
    // written) buys nothing here and costs latency on every message.
    "grpc.enable_retries": 0,
    // Channelz (gRPC's introspection service, which daffi does not serve) counts every message and call.
    "grpc.enable_channelz": 0,
  };
}
