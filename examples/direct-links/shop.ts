// Direct links, caller: its calls to the pricing service take one hop once the link is up, and go
// on when the controller is gone (the registry frozen until it is back).
import { Global } from "daffi";
import { connection, sleep } from "../connection";

async function main(): Promise<void> {
  const g = await Global.start({ processName: "shop", ...connection() });
  await g.waitFunction("price");
  let total = 0;
  for (const item of ["apple", "bread", "milk", "apple"]) total += (await g.call.price(item)) as number;
  console.log(`basket: ${total.toFixed(2)}`);
  while (!g.directLinks.includes("pricing-service")) await sleep(0.05);
  console.log(`direct links: ${g.directLinks.join(", ")}`);
  // Without the controller (stop it now), the link still carries the calls.
  while (Object.keys(g.registeredCallbacks).length > 0) await sleep(0.05);
  console.log(`controller gone; milk costs ${(await g.call.price("milk")) as number}`);
  await g.stop();
}

void main();
