// Interceptors (issue 18, item 5): outgoing ones on the caller, incoming ones on the executing node
// (another process), in order, for every kind of call and for each stream as a whole; a throw is the
// caller's error and the callback does not run.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { args, type Args, BROADCAST, ConfigurationError, Fetcher, FG, Global, NO_RETURN, PermissionDeniedError, RemoteError, ValidationError, type InterceptedCall } from "../runtime";
import { eventually } from "./helpers/eventually";
import { settled } from "./helpers/settled";
import { type Connection, startSystem, stopSystem } from "./helpers/system";

let plain: Global;
let g: Global;
let connection: Connection;
let token = "Bearer good";
const outgoing: Array<Pick<InterceptedCall, "name" | "modifier" | "stream" | "caller" | "target"> & { args: unknown[]; deadline: boolean; ms: number; outcome: string }> = [];

interface CountApi {
  count(n: number): AsyncGenerator<number>;
}
class Streams extends Fetcher<CountApi> {
  static metadata = { "x-tenant": "fetcher-class" };
  *sink(count: number): Generator<Args> {
    for (let i = 0; i < count; i++) yield args(i);
  }
}
/** `.with()` of a fetcher method with a body (its type is the body's). */
const withModifier = (method: unknown, modifier: unknown) => (method as { with(modifier: unknown): (...args: unknown[]) => Promise<unknown> }).with(modifier);

beforeAll(async () => {
  ({ g: plain, connection } = await startSystem([{ script: "test/fixtures/interceptor-peer.js", env: { DAFFI_NAME: "guarded" } }], "plain"));
  g = await Global.start({
    processName: "web",
    ...connection.options,
    logLevel: "silent",
    interceptors: [
      {
        outgoing: async (call, next) => {
          const started = Date.now();
          call.metadata.set("authorization", token);
          call.metadata.set("x-path", "out1");
          let outcome = "ok";
          try {
            return await next(call);
          } catch (error) {
            outcome = (error as Error).name;
            throw error;
          } finally {
            outgoing.push({ name: call.name, modifier: call.modifier, stream: call.stream, caller: call.caller, target: call.target, args: [...call.args], deadline: call.deadline !== undefined, ms: Date.now() - started, outcome });
          }
        },
      },
      {
        outgoing: (call, next) => {
          if (call.name === "refusedHere") throw new ConfigurationError("this process does not call refusedHere");
          call.metadata.set("x-path", `${call.metadata.get("x-path")}>out2`);
          return next(call);
        },
      },
    ],
  });
  await g.waitFunction("meta");
});
afterAll(async () => {
  await g?.stop();
  await stopSystem(plain);
});

const runs = async () => (await plain.call.open_runs!()) as string[];
const seen = async () => (await plain.call.open_seen!()) as Array<Record<string, unknown>>;

describe("interceptors across processes", () => {
  it("run in order on both sides, and the metadata the last one leaves is what is sent and what the callback reads", async () => {
    const metadata = (await g.call.meta!().fg({ timeout: 5, metadata: { "x-tenant": "acme" } })) as Record<string, string>;
    expect(metadata).toEqual({ authorization: "Bearer good", tenant: "ACME", "x-path": "out1>out2>in1>in2>in3" });
    const last = outgoing.at(-1)!;
    expect(last).toMatchObject({ name: "meta", modifier: "FG", caller: "web", target: undefined, args: [], deadline: true, outcome: "ok" });
    const there = (await seen()).at(-1)!;
    expect(there).toMatchObject({ callback: "meta", modifier: "FG", stream: null, caller: "web", target: "guarded", deadline: true, inContext: true, outcome: "ok" });
  });

  it("auth: a call without the token is refused by the incoming interceptor with the same class; the callback does not run", async () => {
    const before = (await runs()).length;
    const refused = await settled(plain.call.meta!());
    expect(refused).toBeInstanceOf(PermissionDeniedError);
    expect((refused as Error).message).toMatch(/bad token for 'meta'/);
    token = "boom";
    const broken = await settled(g.call.meta!());
    token = "Bearer good";
    expect(broken).toBeInstanceOf(RemoteError);
    expect((broken as Error).message).toMatch(/the token check itself broke/);
    expect((await runs()).length).toBe(before);
    expect((await seen()).slice(-2).map((entry) => entry.outcome)).toEqual(["PermissionDeniedError", "Error"]);
  });

  it("an outgoing interceptor's throw is the caller's error; nothing is sent", async () => {
    const before = (await seen()).length;
    const refused = await settled(g.call.refusedHere!());
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect((await seen()).length).toBe(before);
  });

  it("every modifier goes through them: BG, NO_RETURN, BROADCAST", async () => {
    expect(await (g.call.meta!().bg({ timeout: 5 }) as { get(): Promise<unknown> }).get()).toMatchObject({ "x-path": "out1>out2>in1>in2>in3" });
    await g.call.bump!().with(NO_RETURN({ metadata: { "x-tenant": "nr" } }));
    await eventually(async () => (await runs()).includes("bump NR"), 5000, "the NO_RETURN call to run");
    const all = (await g.call.meta!().with(BROADCAST({ returnResult: true, timeout: 5 }))) as Record<string, Record<string, string>>;
    expect(all.guarded!["x-path"]).toBe("out1>out2>in1>in2>in3");
    expect(outgoing.slice(-3).map((call) => call.modifier)).toEqual(["BG", "NO_RETURN", "BROADCAST"]);
    const modifiers = (await seen()).slice(-3).map((entry) => entry.modifier);
    expect(modifiers).toEqual(["BG", "NO_RETURN", "BROADCAST"]);
  });

  it("a stream read is one call to them: its interceptors end after its last item", async () => {
    const items: number[] = [];
    for await (const item of g.call.count!(20) as AsyncIterable<number>) items.push(item);
    expect(items).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const out = outgoing.at(-1)!;
    expect(out).toMatchObject({ name: "count", stream: "read", args: [20], outcome: "ok" });
    expect(out.ms).toBeGreaterThanOrEqual(90); // 20 items, 5 ms apart: the step spans them all
    const there = (await seen()).at(-1)!;
    expect(there).toMatchObject({ callback: "count", stream: "read", outcome: "ok" });
    expect(there.ms as number).toBeGreaterThanOrEqual(90);
  });

  it("a generator called as a plain call: the array of its items is the result they see, and may change", async () => {
    expect(await g.call.secrets!()).toEqual(["a", "***", "b"]);
    const items: string[] = [];
    for await (const item of g.call.secrets!() as AsyncIterable<string>) items.push(item);
    expect(items).toEqual(["a", "secret", "b"]); // read as a stream, its items go as they come
  });

  it("a collected generator's items are as they were yielded; one cut short by its deadline rejects next()", async () => {
    expect(await g.call.reused!()).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    await expect(g.call.slowItems!().fg({ timeout: 0.2 })).rejects.toThrow("did not answer");
    await eventually(async () => (await seen()).some((entry) => entry.callback === "slowItems"), 5_000, "slowItems to end there");
    expect((await seen()).find((entry) => entry.callback === "slowItems")).toMatchObject({ outcome: "TimeoutError" });
    // An item that cannot be encoded is daffi's refusal, as without interceptors: a ValidationError with its path.
    const refused = await settled(g.call.protoItems!().fg());
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).path).toBe("$result[1].__proto__");
  });

  it("a stream written is one call to them; a fetcher's static metadata is sent under the modifier's", async () => {
    const streams = new Streams();
    await streams.sink(3);
    expect((await runs()).slice(-3)).toEqual(["sink 0 FETCHER-CLASS", "sink 1 FETCHER-CLASS", "sink 2 FETCHER-CLASS"]);
    await withModifier(streams.sink, FG({ metadata: { "x-tenant": "own" } }))(1);
    expect((await runs()).at(-1)).toBe("sink 0 OWN");
    expect(outgoing.slice(-2).map((call) => call.stream)).toEqual(["write", "write"]);
    expect((await seen()).slice(-2).map((entry) => entry.stream)).toEqual(["write", "write"]);
    // A stream read by a fetcher takes its metadata too.
    for await (const item of streams.count.with(FG({ metadata: { "x-tenant": "reader" } }))(1)) expect(item).toBe(0);
    expect((await seen()).at(-1)).toMatchObject({ callback: "count", stream: "read", outcome: "ok" });
    expect(outgoing.at(-1)).toMatchObject({ name: "count", stream: "read" });
  });

  it("without the token, a stream is refused before it starts: the generator does not run", async () => {
    const before = (await runs()).filter((run) => run === "count").length;
    const read = async () => {
      for await (const item of plain.call.count!(3) as AsyncIterable<number>) void item;
    };
    await expect(read()).rejects.toThrow(PermissionDeniedError);
    expect((await runs()).filter((run) => run === "count").length).toBe(before);
  });

  it("bad interceptors are a ConfigurationError at start", async () => {
    await expect(Global.start({ ...connection.options, logLevel: "silent", interceptors: [{ outgoing: 1 as never }] })).rejects.toThrow(/interceptors\[0\]\.outgoing must be a function/);
    await expect(Global.start({ ...connection.options, logLevel: "silent", interceptors: [{ around: () => 1 } as never] })).rejects.toThrow(/has no option 'around'/);
  });
});
