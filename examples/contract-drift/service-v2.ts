// The new service (a controller and the node 'calculator'), deployed before its clients were rebuilt.
import { Callback, Global } from "daffi";
import { connection } from "../connection";
import type { Calculator } from "./calculator-v2";

export class CalculatorService extends Callback implements Calculator {
  static autoInit = true;
  calculateSum(a: number, b: number): number {
    return a + b;
  }
  describe(n: number, precision = 2): string {
    return n.toFixed(precision);
  }
}

void Global.start({ processName: "calculator", initController: true, ...connection() }).then((g) => g.join());
