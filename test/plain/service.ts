// Compiled with plain tsc (no daffi transformer): the runtime still works, without validation.
import { Callback, Global } from "../../runtime";
import { connection } from "../../examples/connection";

export class PlainService extends Callback {
  static autoInit = true; // not seen without the transformer: the instance is created below
  calculateSum(a: number, b: number): number {
    return a + b;
  }
  private secret(): string {
    return "exposed: plain tsc does not know TypeScript's private";
  }
  _hidden(): string {
    return this.secret();
  }
}

new PlainService();
void Global.start({ processName: "plain-service", ...connection() }).then(() => console.log("READY"));
