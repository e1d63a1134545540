// Spec 2.5 aliased methods, service.
import { Callback, Global } from "daffi";
import { connection } from "../connection";

export class CalculatorService extends Callback {
  static autoInit = true;

  calculateSum(num1: number, num2: number): number {
    return num1 + num2;
  }
}

void Global.start({ initController: true, ...connection() }).then((g) => g.join());
