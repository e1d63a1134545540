// Permissions, frontend: may call charge* only; a refund, a name of another identity, or no token at all is refused at once.
import { Global, PermissionDeniedError } from "daffi";
import { connection } from "../connection";

async function main(): Promise<void> {
  const g = await Global.start({ processName: "web-1", token: process.env.FRONT_TOKEN, ...connection() });
  await g.waitFunction("charge", { timeout: 10 });
  console.log(`callbacks registered: ${Object.keys(g.registeredCallbacks).sort().join(", ")}`);
  console.log(await g.call.charge("alice", 1000));
  try {
    await g.call.refund("alice", 1000);
  } catch (error) {
    if (!(error instanceof PermissionDeniedError)) throw error;
    console.log(`refund refused: ${error.message}`);
  }
  try {
    await Global.start({ processName: "billing-2", token: process.env.FRONT_TOKEN, logLevel: "silent", ...connection() });
  } catch (error) {
    console.log(`billing-2 refused: ${(error as Error).message}`);
  }
  try {
    await Global.start({ processName: "web-2", logLevel: "silent", ...connection() });
  } catch (error) {
    console.log(`no token refused: ${(error as Error).message}`);
  }
  await g.stop();
}

void main();
