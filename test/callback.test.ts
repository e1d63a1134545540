// Spec "callback": which members of a Callback class are exposed, the function form, one instance per class.
import { describe, expect, it } from "@jest/globals";
import { alias, Callback, callback, ConfigurationError, local } from "../runtime";
import { localCallbacks } from "../runtime/registry/CallbackRegistry";

class Base extends Callback {
  inherited(): string {
    return "from base";
  }
}

export class Calculator extends Base {
  static autoInit = true;
  readonly factor = 2;
  sum(...numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0) * this.factor;
  }
  async fib(n: number): Promise<number> {
    return n < 2 ? n : (await this.fib(n - 1)) + (await this.fib(n - 2));
  }
  @alias("product") multiply(a: number, b: number): number {
    return a * b;
  }
  @local helper(): void {}
  _underscored(): void {}
  private hidden(): void {}
  protected inner(): void {}
  #secret(): void {}
  get getter(): number {
    return this.hidden.length + this.#secret.length + this.inner.length;
  }
  static helperStatic(): void {}
}

export class Manual extends Callback {
  constructor(readonly multiplier: number) {
    super();
  }
  scaled(n: number): number {
    return n * this.multiplier;
  }
}

describe("Callback classes (spec 2.1, 2.3, 2.4, 2.5)", () => {
  it("autoInit creates the instance: its public methods are callbacks, named as the methods or their @alias", () => {
    const names = localCallbacks.names();
    expect(names).toEqual(expect.arrayContaining(["sum", "fib", "product", "inherited"]));
    for (const excluded of ["multiply", "helper", "_underscored", "hidden", "inner", "getter", "helperStatic", "constructor", "factor"]) {
      expect(names).not.toContain(excluded);
    }
  });

  it("binds callbacks to the instance", async () => {
    const sum = localCallbacks.get("sum")!;
    expect(sum.fn.apply(sum.target, [1, 2, 3])).toBe(12);
    const fib = localCallbacks.get("fib")!;
    await expect(fib.fn.apply(fib.target, [10])).resolves.toBe(55);
  });

  it("without autoInit, exposes nothing until the user creates the instance (with constructor arguments)", () => {
    expect(localCallbacks.get("scaled")).toBeUndefined();
    const manual = new Manual(3);
    const scaled = localCallbacks.get("scaled")!;
    expect(scaled.target).toBe(manual);
    expect(scaled.fn.apply(scaled.target, [2])).toBe(6);
  });

  it("allows one instance per class", () => {
    expect(() => new Calculator()).toThrow(ConfigurationError);
    expect(() => new Manual(4)).toThrow(/already has its instance/);
  });
});

describe("callback() function form", () => {
  it("exposes a named function and returns it unchanged, still callable locally", () => {
    const double = callback(function double(n: number): number {
      return n * 2;
    });
    expect(double(4)).toBe(8);
    expect(localCallbacks.get("double")?.fn).toBe(double);
  });

  it("takes an explicit name (for arrow functions)", () => {
    const triple = callback("triple", (n: number) => n * 3);
    expect(localCallbacks.get("triple")?.fn).toBe(triple);
  });

  it("refuses anonymous functions and clashing names", () => {
    const anonymous = [() => 1][0]!;
    expect(() => callback(anonymous)).toThrow(/named function/);
    expect(() => callback(function sum() {})).toThrow(/clashes with 'sum' of class Calculator/);
    expect(() => callback("x", 5 as unknown as () => void)).toThrow(ConfigurationError);
  });
});
