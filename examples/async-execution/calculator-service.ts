// Spec 2.13 asynchronous execution, service.
import { Callback, Global } from "daffi";
import { connection } from "../connection";

export class CalculatorService extends Callback {
  static autoInit = true;

  calculateFibonacci(n: number): number {
    if (n === 0) return 0;
    if (n === 1 || n === 2) return 1;
    return this.calculateFibonacci(n - 1) + this.calculateFibonacci(n - 2);
  }
}

void Global.start({ initController: true, ...connection() }).then((g) => g.join());
