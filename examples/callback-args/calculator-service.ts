// Spec 2.3 additional arguments for callback instantiation: no autoInit, the user creates the instance.
import { Callback, Global } from "daffi";
import { connection } from "../connection";

export class CalculatorService extends Callback {
  constructor(private readonly multiplier: number) {
    super();
  }

  calculateSum(num1: number, num2: number): number {
    return num1 * this.multiplier + num2 * this.multiplier;
  }
}

new CalculatorService(3);
void Global.start({ initController: true, ...connection() }).then((g) => g.join());
