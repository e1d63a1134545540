// The peer a user compares daffi with: Moleculer 0.14, TCP transporter (one hop, peer to peer, no
// broker process), cbor-x serializer. `server <port> <clientPort>` answers `bench.echo`; `client
// <port> <serverPort> <workload> <seconds>` measures a workload against it and prints one JSON
// measurement, like bench/raw-client.js.
import { ServiceBroker } from "moleculer";
import { MIB, rate, SMALL, spent, units, type Workload } from "../workloads";

const [role, portText, otherPortText, workload, secondsText] = process.argv.slice(2) as ["server" | "client", string, string, Workload, string];
const other = role === "server" ? "client" : "server";

const broker = new ServiceBroker({
  nodeID: role,
  logger: false,
  serializer: "CBOR",
  transporter: {
    type: "TCP",
    options: {
      udpDiscovery: false, // no multicast on a CI machine: each side is told the other's address
      port: Number(portText),
      urls: [`127.0.0.1:${otherPortText}/${other}`],
      maxPacketSize: 8 * MIB, // payload_1mb
    },
  },
});

async function measure(): Promise<number> {
  const echo = (value: unknown) => broker.call("bench.echo", { value });
  switch (workload) {
    case "fg_seq":
      return rate(Number(secondsText), async () => (await echo(SMALL), 1));
    case "fg_par100":
      return rate(Number(secondsText), async () => (await Promise.all(Array.from({ length: 100 }, () => echo(SMALL)))).length);
    case "payload_1mb": {
      const payload = new Uint8Array(MIB);
      return rate(Number(secondsText), async () => (await echo(payload), 1));
    }
    default:
      throw new Error(`no Moleculer run for ${workload}`);
  }
}

async function main(): Promise<void> {
  if (role === "server") {
    broker.createService({ name: "bench", actions: { echo: (ctx: { params: { value: unknown } }) => ctx.params.value } });
    await broker.start();
    console.log("READY");
    return;
  }
  await broker.start();
  await broker.waitForServices("bench", 20_000);
  const value = await measure();
  console.log(JSON.stringify({ value, unit: units[workload], ...spent }));
  await broker.stop();
  process.exit(0);
}

void main();
