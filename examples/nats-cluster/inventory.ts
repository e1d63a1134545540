// daffi on a NATS cluster, service: an inventory process (run two or more, each with its own name).
// No controller: the NATS servers carry the calls, and any of them may go away.
//   node dist/examples/nats-cluster/inventory.js inventory-1
import { callback, Global } from "daffi";
import { natsServers } from "./servers";

const processName = process.argv[2] ?? "inventory-1";
const stock: Record<string, number> = { apple: 100, bread: 40, milk: 60 };
let reserved = 0;

/** Takes `count` of `item` from this process's stock; answers who served it. */
callback(function reserve(item: string, count: number): { by: string; left: number } {
  const left = stock[item];
  if (left === undefined) throw new RangeError(`'${item}' is not sold here`);
  if (left < count) throw new RangeError(`only ${left} ${item} left at ${processName}`);
  stock[item] = left - count;
  reserved += count;
  return { by: processName, left: stock[item]! };
});

/** What this process reserved so far (called on every inventory at once, with BROADCAST). */
callback(function reservedSoFar(): number {
  return reserved;
});

void Global.start({ processName, nats: { servers: natsServers() } }).then((g) => {
  console.log(`${processName} ready`);
  return g.join();
});
