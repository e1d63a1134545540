// The peer a user compares daffi with: Moleculer 0.14, TCP transporter (one hop, peer to peer, no
// broker process), cbor-x serializer, random balancing (daffi's default). `server <port> <clientPort>
// <nodeID>` answers `bench.echo`; `client <port> <serverPorts,…> <workload> <seconds>` measures a
// workload against the servers and prints one JSON measurement, like bench/raw-client.js.
import { ServiceBroker } from "moleculer";
import { MIB, rate, SMALL, spent, units, type Workload } from "../workloads";

const [role, portText, othersText, third, secondsText] = process.argv.slice(2) as ["server" | "client", string, string, string, string];
const workload = third as Workload;
// Each side is told the others' addresses (no multicast discovery on a CI machine); gossip does the rest.
const urls = role === "server" ? [`127.0.0.1:${othersText}/client`] : othersText.split(",").map((port, i) => `127.0.0.1:${port}/server-${i + 1}`);

const broker = new ServiceBroker({
  nodeID: role === "server" ? third : "client",
  logger: false,
  serializer: "CBOR",
  registry: { strategy: "Random" },
  transporter: {
    type: "TCP",
    // gossipPeriod 1 s: 20 servers are all known within seconds. maxPacketSize: payload_1mb.
    options: { udpDiscovery: false, port: Number(portText), urls, gossipPeriod: 1, maxPacketSize: 8 * MIB },
  },
});

/** The servers that answered: the bench checks the calls really spread over all of them. */
const answeredBy = new Set<string>();

async function measure(): Promise<number> {
  const echo = async (value: unknown) => {
    const call = broker.call("bench.echo", { value }) as Promise<unknown> & { ctx?: { nodeID?: string } };
    const result = await call;
    if (call.ctx?.nodeID) answeredBy.add(call.ctx.nodeID);
    return result;
  };
  switch (workload) {
    case "fg_seq":
      return rate(Number(secondsText), async () => (await echo(SMALL), 1));
    case "fg_par100":
    case "fan_out_par100":
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
  // Every server known before measuring, or no figure at all: the calls must spread over all of them.
  const servers = urls.length;
  const deadline = Date.now() + 60_000;
  const known = () => broker.registry.getServiceList({ onlyAvailable: true }).filter((service: { name: string }) => service.name === "bench").length;
  while (known() < servers) {
    if (Date.now() > deadline) throw new Error(`only ${known()} of ${servers} Moleculer servers discovered within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const value = await measure();
  console.log(JSON.stringify({ value, unit: units[workload], providers: answeredBy.size, ...spent }));
  await broker.stop();
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(String(error));
  process.exit(1);
});
