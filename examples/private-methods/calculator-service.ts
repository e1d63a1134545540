// Spec 2.4 private methods, service: `@local`, `_name`, `private` members are not callbacks.
import { Callback, Global, local } from "daffi";
import { connection } from "../connection";

export class CalculatorService extends Callback {
  static autoInit = true;

  calculateSum(num1: number, num2: number): number {
    return this.getSum(num1, num2) + this._zero() + this.alsoZero();
  }

  @local
  getSum(num1: number, num2: number): number {
    return num1 + num2;
  }

  _zero(): number {
    return 0;
  }

  private alsoZero(): number {
    return 0;
  }
}

void Global.start({ initController: true, ...connection() }).then((g) => g.join());
