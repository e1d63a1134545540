// Spec 2.3 client: a body-less (declared) fetcher method.
import { Fetcher, Global } from "daffi";
import { connection } from "../connection";

class CalculatorClient extends Fetcher {
  declare calculateSum: (num1: number, num2: number) => Promise<number>;
}

async function main(): Promise<void> {
  const g = await Global.start(connection());
  console.log(await new CalculatorClient().calculateSum(1, 2));
  await g.stop();
}

void main();
