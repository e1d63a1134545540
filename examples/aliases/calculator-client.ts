// Spec 2.5 aliased methods, client: two fetcher methods, one remote callback.
import { alias, args, Fetcher, Global } from "daffi";
import { connection } from "../connection";

class CalculatorClient extends Fetcher {
  multiplier = 2;

  /** Default proxy behavior. */
  declare calculateSum: (num1: number, num2: number) => Promise<number>;

  /** Alias to the same `calculateSum` callback but with different internal logic. */
  @alias("calculateSum")
  calculateSumWithMultiplier(num1: number, num2: number): Promise<number> {
    return args(num1 * this.multiplier, num2 * this.multiplier);
  }
}

async function main(): Promise<void> {
  const g = await Global.start(connection());
  const calcClient = new CalculatorClient();
  console.log(await calcClient.calculateSum(1, 2));
  console.log(await calcClient.calculateSumWithMultiplier(1, 2));
  await g.stop();
}

void main();
