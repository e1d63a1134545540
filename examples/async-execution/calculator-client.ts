// Spec 2.13 asynchronous execution, client: BG for the whole fetcher, FG for one call.
import { type AsyncResult, BG, FG, Fetcher, Global, type WithModifier } from "daffi";
import { connection, sleep } from "../connection";

class CalculatorClient extends Fetcher {
  // Execution modifiers are shared across all fetcher's methods
  static execModifier = BG({ timeout: 30 });
  declare calculateFibonacci: ((n: number) => AsyncResult<number>) & WithModifier<[n: number], number>;
}

async function main(): Promise<void> {
  const g = await Global.start(connection());
  const calcClient = new CalculatorClient();
  const future = calcClient.calculateFibonacci(20);
  console.log("Waiting");
  await sleep(0.5);
  console.log(`Fibonacci result: ${await future.get()}`);
  // Execution modifier can be specified at execution time
  const result = await calcClient.calculateFibonacci.with(FG)(15);
  console.log(`Fibonacci result: ${result}`);
  await g.stop();
}

void main();
