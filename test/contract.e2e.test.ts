// The typed contract, faithful to TypeScript: optional and default parameters, one callback per name in a class.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { alias, args, BG, BROADCAST, Callback, ConfigurationError, FG, Fetcher, Global, NO_RETURN, PERIOD, ValidationError } from "../runtime";
import { settled } from "./helpers/settled";
import { tempSocketFolder } from "./helpers/system";

type Numbers = AsyncIterable<number>;
interface Ticks extends AsyncIterable<number> {}

export interface Counter {
  numbers(n: number): Numbers;
  ticks(n: number): Ticks;
  /** Declared as numbers; the service below yields strings after the first. */
  drifting(n: number): Numbers;
}

let driftingEnded = 0;

class CounterService extends Callback {
  static autoInit = true;
  async *numbers(n: number): AsyncGenerator<number> {
    for (let i = 0; i < n; i++) yield i;
  }
  async *ticks(n: number): AsyncGenerator<number> {
    for (let i = 0; i < n; i++) yield i * 10;
  }
  /** Declared as numbers (its contract matches), yields strings after the first: only the item check sees it. */
  async *drifting(n: number): AsyncGenerator<number> {
    try {
      for (let i = 0; i < n; i++) yield i === 0 ? 0 : (`w${i}` as unknown as number);
    } finally {
      driftingEnded++;
    }
  }
}
void CounterService;

class CounterClient extends Fetcher<Counter> {}

export interface Scaler {
  scale(n: number, factor?: number): number;
  greet(name: string, greeting?: string, punctuation?: string): string;
}

class ScalerService extends Callback implements Scaler {
  static autoInit = true;
  scale(n: number, factor = 2): number {
    return n * factor;
  }
  greet(name: string, greeting = "Hello", punctuation?: string): string {
    return `${greeting}, ${name}${punctuation ?? "!"}`;
  }
}
void ScalerService;

class ScalerClient extends Fetcher<Scaler> {}

describe("optional and default parameters", () => {
  let g: Global;
  beforeAll(async () => {
    g = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), logLevel: "silent" });
  });
  afterAll(() => g.stop());

  it("may be left out, on the fetcher and on the callback's node; the default applies", async () => {
    const client = new ScalerClient();
    expect(await client.scale(3)).toBe(6);
    expect(await client.scale(3, 10)).toBe(30);
    expect(await g.call.scale(4)).toBe(8); // untyped caller: checked on the callback's node
    expect(await client.greet("Ada")).toBe("Hello, Ada!");
    expect(await client.greet("Ada", undefined, "?")).toBe("Hello, Ada?");
  });

  it("are still checked when passed", async () => {
    const fetched = await settled((new ScalerClient().scale as (...a: unknown[]) => Promise<number>)(3, "x"));
    expect(fetched).toBeInstanceOf(ValidationError);
    expect(fetched).toMatchObject({ path: "$input[1]", expected: "(number | undefined)" });
    const remote = await settled(g.call.scale(3, "x"));
    expect(remote).toBeInstanceOf(ValidationError);
    expect(remote).toMatchObject({ path: "$input[1]" });
    expect(await settled(g.call.scale())).toMatchObject({ path: "$input[0]", expected: "number" });
  });
});

describe("streams behind an alias or an interface", () => {
  it("are read with for await, however the stream type is spelled", async () => {
    await using g = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), logLevel: "silent" });
    void g;
    const client = new CounterClient();
    const numbers: number[] = [];
    for await (const n of client.numbers(3)) numbers.push(n);
    const ticks: number[] = [];
    for await (const n of client.ticks(2)) ticks.push(n);
    expect([numbers, ticks]).toEqual([[0, 1, 2], [0, 10]]);
  });

  it("have their items checked against the declared item type: a bad item ends the stream with ValidationError at $item[i]", async () => {
    await using g = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), logLevel: "silent" });
    void g;
    const received: unknown[] = [];
    const outcome = await settled(
      (async () => {
        for await (const n of new CounterClient().drifting(1000)) received.push(n);
      })(),
    );
    expect(outcome).toBeInstanceOf(ValidationError);
    expect(outcome).toMatchObject({ path: "$item[1]", expected: "number", value: "w1" });
    expect(received).toEqual([0]);
    for (let i = 0; i < 50 && driftingEnded === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(driftingEnded).toBe(1); // the remote generator was stopped
  });

  it("refuse a modifier that cannot apply to them at run time too (BG, NO_RETURN, PERIOD, BROADCAST), never ignore it", () => {
    const stream = new CounterClient().numbers as unknown as { with(modifier: unknown): unknown };
    for (const modifier of [BG({ eta: 2 }), NO_RETURN, PERIOD({ interval: 5 }), BROADCAST]) {
      const why = modifier.kind === "BROADCAST" ? " (the items of several providers cannot be read as one stream)" : "";
      expect(() => stream.with(modifier)).toThrow(new ConfigurationError(`'numbers' is a stream read with for await: only FG applies to it, not ${modifier.kind}${why}`));
    }
    expect(typeof stream.with(FG)).toBe("function");
  });
});

export interface Echo {
  echo(n: number): number;
  echo(s: string): string;
  swap(n: number): string;
  swap(s: string): number;
}

class EchoService extends Callback {
  static autoInit = true;
  echo(n: number): number;
  echo(s: string): string;
  echo(value: number | string): number | string {
    return value;
  }
  /** Wrong on purpose: returns what it was given, where its overloads promise the other type (the contracts agree; the values lie). */
  swap(n: number): string;
  swap(s: string): number;
  swap(value: number | string): number | string {
    return value;
  }
}
void EchoService;

class EchoClient extends Fetcher<Echo> {}

describe("overloads", () => {
  it("accept the arguments of any overload, on the fetcher and on the callback's node; others are refused naming them", async () => {
    await using g = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), logLevel: "silent" });
    const client = new EchoClient();
    expect(await client.echo("x")).toBe("x");
    expect(await client.echo(7)).toBe(7);
    expect(await g.call.echo("y")).toBe("y"); // the callback's own overloads, checked on its node
    // Typed as the overloads: each result as its overload says, under .with() too.
    const asString: string = await client.echo("typed");
    const later: number = await client.echo.with(BG())(5).get();
    expect([asString, later]).toEqual(["typed", 5]);
    // @ts-expect-error: a boolean fits no overload
    void (() => client.echo(true));
    const refused = await settled((client.echo as (...a: unknown[]) => Promise<unknown>)(true));
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as Error).message).toMatch(/nor do they fit any other of its 2 signatures/);
    expect(await settled(g.call.echo(true))).toBeInstanceOf(ValidationError);
  });

  it("check the result against the overload the arguments fit", async () => {
    await using g = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), logLevel: "silent" });
    void g;
    const wrongForNumber = await settled(new EchoClient().swap(1));
    expect(wrongForNumber).toMatchObject({ path: "$result", expected: "string", value: 1 });
    const wrongForString = await settled(new EchoClient().swap("abc"));
    expect(wrongForString).toMatchObject({ path: "$result", expected: "number", value: "abc" });
  });
});

describe("one callback per remote name in a class", () => {
  it("two methods under one name (a method and an @alias of another) throw ConfigurationError naming both", () => {
    class Clashing extends Callback {
      total(): number {
        return 1;
      }
      @alias("total") sum(): number {
        return 2;
      }
    }
    expect(() => new Clashing()).toThrow(ConfigurationError);
    expect(() => new Clashing()).toThrow("Clashing: methods 'total' and 'sum' are both exposed as 'total'");
  });
});

interface Named {
  name(id: number): string;
}
interface Sized {
  size(label: string): number;
}
/** An interface extending two others, and adding its own method. */
export interface Catalog extends Named, Sized {
  find(id: number, exactly?: boolean): string[];
}

class BaseCatalog extends Callback {
  name(id: number): string {
    return `n${id}`;
  }
}
class SizedCatalog extends BaseCatalog {
  size(label: string): number {
    return label.length;
  }
}
/** A Callback subclass of a subclass: its own methods and every inherited one are callbacks. */
class FullCatalog extends SizedCatalog implements Catalog {
  static autoInit = true;
  find(id: number, exactly = false): string[] {
    return exactly ? [this.name(id)] : [this.name(id), this.name(id + 1)];
  }
  /** Overrides the base: the subclass's signature is the one exposed and checked. */
  override name(id: number): string {
    return `name-${id}`;
  }
}
void FullCatalog;

class CatalogClient extends Fetcher<Catalog> {}
/** A Fetcher subclass of a Fetcher subclass, adding a method with a body. */
class CountingCatalogClient extends CatalogClient {
  @alias("size") twice(label: string): Promise<number> {
    return args(`${label}${label}`) as never;
  }
}

describe("inheritance", () => {
  it("a Callback subclass of a subclass exposes and checks every method; an interface extending others gives a fetcher all of them, typed and checked", async () => {
    await using g = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), logLevel: "silent" });
    expect(Object.keys(g.registeredCallbacks)).toEqual(expect.arrayContaining(["name", "size", "find"]));
    const client = new CountingCatalogClient();
    const name: string = await client.name(3);
    const size: number = await client.size("abc");
    expect([name, size, await client.find(1), await client.find(1, true)]).toEqual(["name-3", 3, ["name-1", "name-2"], ["name-1"]]);
    expect(await client.twice("ab")).toBe(4);
    // Checked on the fetcher, through the inherited interfaces…
    expect(await settled((client.size as (...a: unknown[]) => Promise<number>)(5))).toMatchObject({ path: "$input[0]", expected: "string" });
    // …and on the callback's node, for methods of every level of the class.
    expect(await settled(g.call.size(5))).toMatchObject({ path: "$input[0]", expected: "string" });
    expect(await settled(g.call.name("3"))).toMatchObject({ path: "$input[0]", expected: "number" });
    expect(await settled(g.call.find(1, "yes"))).toMatchObject({ path: "$input[1]", expected: "boolean" });
  });
});

/** A generic base class: its type parameter is given by the subclass, which is what gets checked. */
class Repository<T> extends Callback {
  private readonly items: T[] = [];
  store(item: T): number {
    return this.items.push(item);
  }
}
class NumberRepository extends Repository<number> {
  static autoInit = true;
}
void NumberRepository;

describe("a subclass of a generic Callback class", () => {
  it("checks the inherited methods with the types the subclass gives them", async () => {
    await using g = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), logLevel: "silent" });
    expect(await g.call.store(5)).toBe(1);
    expect(await settled(g.call.store("five"))).toMatchObject({ path: "$input[0]", expected: "number", value: "five" });
  });
});
