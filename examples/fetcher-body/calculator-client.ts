// Spec 2.2 fetchers with function body: the body computes the arguments to send, returned with args(...).
import { args, Fetcher, Global } from "daffi";
import { connection } from "../connection";

class CalculatorClient extends Fetcher {
  multiplier = 2;

  calculateSum(num1: number, num2: number): Promise<number> {
    return args(num1 * this.multiplier, num2 * this.multiplier);
  }

  calculateDifference(num1: number, num2: number): Promise<number> {
    return args(num1 * this.multiplier, num2 * this.multiplier);
  }
}

async function main(): Promise<void> {
  const g = await Global.start(connection());
  const calcClient = new CalculatorClient();
  console.log(await calcClient.calculateSum(1, 2));
  console.log(await calcClient.calculateDifference(50, 20));
  await g.stop();
}

void main();
