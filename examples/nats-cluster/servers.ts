// Where the NATS example connects: $DAFFI_NATS (comma-separated), else a 3-server cluster on this
// machine, as these commands start it (Debian: apt-get install nats-server):
//   nats-server -p 4222 --cluster_name daffi --cluster nats://127.0.0.1:6222 --routes nats://127.0.0.1:6223,nats://127.0.0.1:6224 &
//   nats-server -p 4223 --cluster_name daffi --cluster nats://127.0.0.1:6223 --routes nats://127.0.0.1:6222,nats://127.0.0.1:6224 &
//   nats-server -p 4224 --cluster_name daffi --cluster nats://127.0.0.1:6224 --routes nats://127.0.0.1:6222,nats://127.0.0.1:6223 &
export function natsServers(): string[] {
  return (process.env.DAFFI_NATS ?? "nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224").split(",");
}
