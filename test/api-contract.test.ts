// The examples of shared/API.md, written as a user would: this file must compile (npm test builds it
// with tspc first, so a break in the public types fails the build), and the calls run against a real node.
import { beforeAll, describe, expect, it } from "@jest/globals";
import { alias, args, type Args, AsyncResult, BG, BROADCAST, Callback, callback, FG, Fetcher, fetcher, Global, local, PERIOD, ScheduledTask } from "../runtime";
import { tempSocketFolder } from "./helpers/system";

export interface Calculator {
  sum(...n: number[]): number;
  fib(n: number): number;
  range(end: number): AsyncIterable<number>;
}

// API.md "Callbacks", class form (fib is async here, so the class declares what it returns itself).
export class CalculatorService extends Callback {
  static autoInit = true;
  sum(...numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0);
  }
  async fib(n: number): Promise<number> {
    return n < 2 ? n : (await this.fib(n - 1)) + (await this.fib(n - 2));
  }
  async *range(end: number): AsyncGenerator<number> {
    for (let i = 0; i < end; i++) yield i;
  }
  @local helper() {}
}

const fed: number[] = [];
// API.md "Callbacks", function form: still callable locally.
export const feed = callback(function feed(i: number): void {
  fed.push(i);
});

// API.md "Fetchers".
class CalculatorClient extends Fetcher<Calculator> {}
class Custom extends Fetcher {
  static execModifier = FG({ timeout: 10 });
  declare sum: (...n: number[]) => Promise<number>;
  @alias("sum") doubled(a: number, b: number): Promise<number> {
    return args(a * 2, b * 2);
  }
  async *feed(): AsyncGenerator<Args> {
    for (const i of [1, 2]) yield args(i);
  }
}
export const getMenu = fetcher<() => string[]>("getMenu", BROADCAST({ returnResult: true }));

describe("the API.md examples", () => {
  let unixSockPath: string;
  beforeAll(() => {
    unixSockPath = tempSocketFolder();
  });

  it("run as written", async () => {
    await using g = await Global.start({ processName: "calculator", initController: true, initNode: true, unixSockPath, allowTransfer: false, logLevel: "silent" });
    const c = new CalculatorClient();
    expect(await c.sum(1, 2)).toBe(3);
    const items: number[] = [];
    for await (const i of c.range(3)) items.push(i);
    expect(items).toEqual([0, 1, 2]);
    const future = c.fib.with(BG({ timeout: 30 }))(20);
    expect(future).toBeInstanceOf(AsyncResult);
    expect(await future.get()).toBe(6765);
    const custom = new Custom();
    expect(await custom.sum(1, 2)).toBe(3);
    expect(await custom.doubled(1, 2)).toBe(6);
    await custom.feed();
    expect(fed).toEqual([1, 2]);
    expect(feed(3)).toBeUndefined();
    const task = await g.call.sum(1).period({ interval: "1m24s" });
    expect(task).toBeInstanceOf(ScheduledTask);
    expect(await g.getScheduledTasks("calculator")).toEqual([task.id]);
    await g.cancelScheduledTask("calculator", task.id);
    expect(g.registeredCallbacks.sum).toEqual(["calculator"]);
    expect(PERIOD({ atTime: [new Date(Date.now() + 1000), Date.now() + 2000] }).kind).toBe("PERIOD");
  });
});
