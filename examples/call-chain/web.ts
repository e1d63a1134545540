// Call chain, first hop: web → orders → billing → ledger, four processes. A request id travels in
// metadata; web's timeout becomes every hop's deadline; web giving up aborts the ledger's signal.
import { Global } from "daffi";
import { connection, sleep } from "../connection";

async function main(): Promise<void> {
  const g = await Global.start({ processName: "web", ...connection() });
  for (const name of ["placeOrder", "charge", "record"]) await g.waitFunction(name);

  console.log(await g.call.placeOrder("book", false).fg({ timeout: 5, metadata: { "request-id": "req-1" } }));

  // Web waits 1 s; the ledger would take 30: every hop's deadline passes, the ledger's signal aborts.
  const late = await g.call.placeOrder("piano", true).fg({ timeout: 1, metadata: { "request-id": "req-2" } }).catch((error: Error) => error.name);
  console.log(`req-2: ${String(late)}`);
  while ((await g.call.lastAborted()) === "none") await sleep(0.05);
  console.log(`ledger aborted ${String(await g.call.lastAborted())}`);

  // Web cancels: the cancellation runs down the chain, hop by hop.
  const pending = g.call.placeOrder("organ", true).bg({ metadata: { "request-id": "req-3" } });
  await sleep(0.5);
  pending.cancel();
  console.log(`req-3: ${await pending.get().catch((error: Error) => error.name)}`);
  while (!String(await g.call.lastAborted()).startsWith("req-3")) await sleep(0.05);
  console.log(`ledger aborted ${String(await g.call.lastAborted())}`);
  await g.stop();
}

void main();
