// Spec 2.6 named processes, service: waits for the client by its name.
import { Global } from "daffi";
import { connection } from "../connection";

async function main(): Promise<void> {
  const g = await Global.start({ initController: true, processName: "calculator service", ...connection() });
  await g.waitProcess("calculator client");
  console.log("Calculator client has been started...");
  await g.join();
}

void main();
