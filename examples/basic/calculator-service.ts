// Spec 2.1 basic example, service: a Callback class implementing the shared interface.
import { Callback, Global } from "daffi";
import { connection } from "../connection";
import type { Calculator } from "./calculator";

export class CalculatorService extends Callback implements Calculator {
  static autoInit = true;

  calculateSum(...numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0);
  }
}

void Global.start({ initController: true, ...connection() }).then((g) => g.join());
