// Spec 2.1 basic example, client: every method of the shared interface, typed, with no code to write.
import { Fetcher, Global } from "daffi";
import { connection } from "../connection";
import type { Calculator } from "./calculator";

class CalculatorClient extends Fetcher<Calculator> {}

async function main(): Promise<void> {
  const g = await Global.start(connection());
  const calcClient = new CalculatorClient();
  console.log(await calcClient.calculateSum(1, 2));
  console.log(await calcClient.calculateSum(10, 20, 30));
  await g.stop();
}

void main();
