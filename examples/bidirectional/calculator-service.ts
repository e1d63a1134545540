// Spec 2.10 bidirectional communication: the counterpart of shopping-service.
import { Callback, Fetcher, Global } from "daffi";
import { connection } from "../connection";

const PROCESS_NAME = "calculator service";

export class CalculatorService extends Callback {
  static autoInit = true;

  calculateSum(...numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0);
  }
}

class ShoppingClient extends Fetcher {
  /** Proxy fetcher. */
  declare getShopItems: () => Promise<string[]>;
}

async function main(): Promise<void> {
  const g = await Global.start({ processName: PROCESS_NAME, ...connection() });
  // Wait counterpart process
  await g.waitProcess("shopping service");
  const items = await new ShoppingClient().getShopItems();
  console.log(`Received shopping items: ${items.join(", ")}`);
  await g.join();
}

void main();
