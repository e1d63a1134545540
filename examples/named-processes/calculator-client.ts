// Spec 2.6 named processes, client: starts under a name, stays a moment, stops.
import { Global } from "daffi";
import { connection, sleep } from "../connection";

async function main(): Promise<void> {
  const g = await Global.start({ processName: "calculator client", ...connection() });
  await sleep(0.5);
  await g.stop();
}

void main();
