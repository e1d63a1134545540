// An old client meets the new service: the compatible change passes, the incompatible one is caught at first contact.
import { ContractMismatchError, Fetcher, Global } from "daffi";
import { connection } from "../connection";
import type { Calculator } from "./calculator-v1";

class CalculatorClient extends Fetcher<Calculator> {}

async function main() {
  const g = await Global.start({ processName: "old-client", ...connection() }); // contract: "strict" by default
  await g.waitFunction("calculateSum", { timeout: 10 });
  const calculator = new CalculatorClient();

  console.log(`describe(3) = ${await calculator.describe(3)}`);
  try {
    await calculator.calculateSum(1, 2, 3);
  } catch (error) {
    if (!(error instanceof ContractMismatchError)) throw error;
    console.log(`calculateSum(1, 2, 3) was not sent: ${error.code}`);
    console.log(error.message);
  }
  const signatures = await g.signatureOf("calculateSum");
  for (const [process, signature] of Object.entries(signatures)) console.log(`'${process}' serves ${signature}`);
  await g.stop();
}

void main();
