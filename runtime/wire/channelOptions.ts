// gRPC channel options shared by the controller's server and the nodes' clients.
import type { ChannelOptions } from "@grpc/grpc-js";

export const channelOptions: ChannelOptions = {
  // Payloads are bounded by daffi's own limit, not gRPC's 4 MiB default.
  "grpc.max_receive_message_length": 256 * 1024 * 1024,
  "grpc.max_send_message_length": 256 * 1024 * 1024,
  // Detect dead peers on an idle connection.
  "grpc.keepalive_time_ms": 10_000,
  "grpc.keepalive_timeout_ms": 5_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.http2.min_ping_interval_without_data_ms": 5_000,
};
