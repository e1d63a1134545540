// Spec 2.10 bidirectional communication: this process has callbacks and fetchers, and so has the other one.
import { Callback, Fetcher, Global } from "daffi";
import { connection } from "../connection";

const PROCESS_NAME = "shopping service";

export class ShoppingService extends Callback {
  static autoInit = true;
  private readonly shopItems = ["orange", "bread", "cheese"];

  getShopItems(): string[] {
    return this.shopItems;
  }
}

class CalculatorClient extends Fetcher {
  /** Proxy fetcher. */
  declare calculateSum: (...numbers: number[]) => Promise<number>;
}

async function main(): Promise<void> {
  const g = await Global.start({ initController: true, processName: PROCESS_NAME, ...connection() });
  // Wait counterpart process
  await g.waitProcess("calculator service");
  const sum = await new CalculatorClient().calculateSum(1, 2, 3);
  console.log(`Calculated sum: ${sum}`);
  await g.join();
}

void main();
