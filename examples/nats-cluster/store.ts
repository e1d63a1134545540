// daffi on a NATS cluster, caller: its calls spread over the inventory processes, a BROADCAST asks
// each of them, and the calls go on when the NATS server it is connected to goes away (stop it
// once "ready for a server to go" is printed): its client moves to another server of the cluster.
//   node dist/examples/nats-cluster/store.js
import { BROADCAST, Global, NodeDisconnectedError } from "daffi";
import { natsServers } from "./servers";

interface Reserved {
  by: string;
  left: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const g = await Global.start({ processName: "store", nats: { servers: natsServers() }, balancing: "round-robin" });
  await g.waitProcess("inventory-1");
  await g.waitProcess("inventory-2");
  const servedBy = new Set<string>();
  for (let i = 0; i < 10; i++) servedBy.add(((await g.call.reserve("apple", 1)) as Reserved).by);
  console.log(`served by: ${[...servedBy].sort().join(", ")}`);
  const counts = (await g.call.reservedSoFar().with(BROADCAST({ returnResult: true }))) as Record<string, number>;
  console.log(`reserved so far: ${Object.entries(counts).sort().map(([name, count]) => `${name}=${count}`).join(", ")}`);
  try {
    await g.call.reserve("caviar", 1);
  } catch (error) {
    console.log(`caviar: ${(error as Error).name}`);
  }

  console.log("ready for a server to go");
  // For 6 s, a call every 20 ms: the ones in flight when the server goes fail with
  // NodeDisconnectedError (or complete); the next ones wait for the new connection and succeed.
  const failures = new Set<string>();
  let answeredInARow = 0;
  const until = Date.now() + 6000;
  while (Date.now() < until) {
    try {
      await g.call.reserve("bread", 0).fg({ timeout: 10 });
      answeredInARow++;
    } catch (error) {
      failures.add(error instanceof NodeDisconnectedError ? "NodeDisconnectedError" : `${(error as Error).name}: ${(error as Error).message}`);
      answeredInARow = 0;
    }
    await sleep(20);
  }
  const other = [...failures].filter((name) => name !== "NodeDisconnectedError");
  console.log(other.length === 0 ? "failures: none but NodeDisconnectedError" : `failures: ${other.join("; ")}`);
  console.log(answeredInARow >= 20 ? "calls go on after the server left" : `only ${answeredInARow} calls answered at the end`);
  await g.stop();
}

void main();
