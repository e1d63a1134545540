// Spec 2.4 private methods, client: a local helper builds the arguments.
import { args, Fetcher, Global, local } from "daffi";
import { connection } from "../connection";

class CalculatorClient extends Fetcher {
  calculateSum(num1: number, num2: number): Promise<number> {
    return this.createArgs(num1, num2);
  }

  @local
  createArgs(num1: number, num2: number): never {
    return args(num1, num2);
  }
}

async function main(): Promise<void> {
  const g = await Global.start(connection());
  console.log(await new CalculatorClient().calculateSum(1, 2));
  const exposed = Object.keys(g.registeredCallbacks).sort();
  console.log(`exposed: ${exposed.join(", ")}`);
  await g.stop();
}

void main();
