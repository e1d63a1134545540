// Permissions, billing: serves charge and refund; `resetAccounts` is outside its identity's `serve`, so the controller does not register it.
import { Callback, Global } from "daffi";
import { connection } from "../connection";

export class Billing extends Callback {
  static autoInit = true;
  charge(account: string, cents: number): string {
    return `charged ${cents} cents to ${account}`;
  }
  refund(account: string, cents: number): string {
    return `refunded ${cents} cents to ${account}`;
  }
  resetAccounts(): string {
    return "every account was reset";
  }
}

async function main(): Promise<void> {
  const g = await Global.start({ processName: "billing-1", token: process.env.BILLING_TOKEN, ...connection() });
  process.once("SIGTERM", () => void g.stop());
  console.log("billing ready");
  await g.join();
}

void main();
