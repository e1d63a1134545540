// Permissions, controller: only two identities may connect, each under its own names, serving and calling only what it may.
import { Global } from "daffi";
import { connection } from "../connection";

const { BILLING_TOKEN, FRONT_TOKEN } = process.env; // secrets come from the environment, never from the code

async function main(): Promise<void> {
  const g = await Global.start({
    processName: "controller",
    initController: true,
    initNode: false,
    ...connection(),
    auth: {
      identities: {
        billing: { token: BILLING_TOKEN, processNames: ["billing", "billing-*"], serve: ["charge*", "refund"], call: ["ledger.*", "audit"] },
        frontend: { token: FRONT_TOKEN, processNames: ["web-*"], serve: [], call: ["charge*"] },
      },
    },
  });
  process.once("SIGTERM", () => void g.stop());
  await g.join();
}

void main();
