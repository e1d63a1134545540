// Compiled with plain tsc (no daffi transformer): `static autoInit = true` alone creates nothing, and daffi says so.
import { Callback, Global } from "../../runtime";
import { connection } from "../../examples/connection";

export class LostService extends Callback {
  static autoInit = true;
  calculateSum(a: number, b: number): number {
    return a + b;
  }
}

void Global.start({ processName: "lost-service", ...connection() }).then(() => console.log("READY"));
