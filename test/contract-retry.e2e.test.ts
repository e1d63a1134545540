// Contract checks end to end: stale refusals, streams to callbacks. Run by jest; run by node with DAFFI_TEST_PEER=1 it is a provider serving
// calculateSum/range with contracts compatible with SumsV1 but not the same (another fingerprint).
import type { afterAll as AfterAll, beforeAll as BeforeAll, describe as Describe, expect as Expect, it as It } from "@jest/globals";
import { TcpProxy } from "./helpers/TcpProxy";
import * as grpc from "@grpc/grpc-js";
import { alias, args, type Args, Callback, Fetcher, Global } from "../runtime";
import { connection } from "../examples/connection";
import { encode } from "../runtime/wire/codec";
import { Kind } from "../runtime/wire/Kind";
import { PROTOCOL_VERSION } from "../runtime/wire/limits";
import { decodeBatch, encodeBatch } from "../runtime/wire/protocol";
import type { SumsV1 } from "./fixtures/contractApi";
import { settled } from "./helpers/settled";
import { CLI, killAll, Spawned } from "./helpers/Spawned";
import { tempSocketFolder } from "./helpers/system";

declare const describe: typeof Describe;
declare const it: typeof It;
declare const expect: typeof Expect;
declare const beforeAll: typeof BeforeAll;
declare const afterAll: typeof AfterAll;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Serves SumsV1 with wider parameter types: compatible, another fingerprint (a rolling upgrade's new version). */
class SumsV1WiderService extends Callback {
  calculateSum(...numbers: Array<number | string>): number {
    return numbers.reduce<number>((a, b) => a + Number(b), 0);
  }
  async *range(n: number | string): AsyncGenerator<number> {
    for (let i = 0; i < Number(n); i++) yield i;
  }
}

export interface Adder {
  add(a: number, b: number): number;
}
class AdderClient extends Fetcher<Adder> {}
class SumsClient extends Fetcher<SumsV1> {}

class Sink extends Callback {
  taken: unknown[] = [];
  take(item: string): void {
    this.taken.push(item);
  }
}

class Feeder extends Fetcher {
  finals = 0;
  /** The second item cannot be encoded (an own `__proto__` key): the stream fails; the producer must be closed (its finally). */
  @alias("take")
  async *feedUnencodable(): AsyncGenerator<Args> {
    try {
      yield args("first");
      yield args(JSON.parse('{"__proto__": "x"}') as string);
      yield args("third");
    } finally {
      this.finals++;
    }
  }
  /** A sync generator of promises: `for await` (as before) awaits each one. */
  @alias("take")
  *feedPromises(): Generator<Args> {
    yield Promise.resolve(args("promised")) as unknown as Args;
  }
}

async function tcpController(): Promise<number> {
  const controller = new Spawned("controller", [CLI, "controller", "--host", "127.0.0.1", "--port", "0"]);
  return Number((await controller.waitForLine(/port: (\d+) \]/))[1]);
}

if (process.env.DAFFI_TEST_PEER) {
  new SumsV1WiderService();
  void Global.start({ processName: process.env.DAFFI_NAME, ...connection() }).then(() => console.log("READY"));
} else {
  describe("a stale flag from an executor", () => {
    let client: grpc.Client | undefined;
    let g: Global | undefined;
    afterAll(async () => {
      client?.close();
      await g?.stop();
      await killAll();
    });

    it("an executor answering CONTRACT_MISMATCH {stale} is not believed: the call is not sent again (it ran once)", async () => {
      const port = await tcpController();
      g = await Global.start({ host: "127.0.0.1", port, logLevel: "silent" });
      client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      const stream = client.makeBidiStreamRequest<Buffer, Buffer>("/daffi.Daffi/Connect", (b) => b, (b) => b);
      stream.on("error", () => undefined);
      let runs = 0;
      stream.on("data", (data: Buffer) => {
        for (const frame of decodeBatch(data)) {
          if (frame.kind !== Kind.CALL || frame.name !== "add") continue;
          runs++; // the call ran here (a payment made, a row written)
          const stale = encode({ code: "CONTRACT_MISMATCH", name: "ContractMismatchError", message: "providers changed", data: { stale: true } });
          stream.write(
            encodeBatch({
              frames: [
                { kind: Kind.ERROR, callId: frame.callId, target: frame.source, incarnation: frame.incarnation, payload: stale },
                { kind: Kind.REGISTER, payload: encode({ callbacks: ["add"] }) }, // the caller's view changes: it tries again
              ],
            }),
          );
        }
      });
      // No fingerprint announced: not checked, the controller takes it for any accept.
      stream.write(encodeBatch({ frames: [{ kind: Kind.HELLO, name: "replayer", payload: encode({ protocol: PROTOCOL_VERSION, callbacks: ["add"] }) }] }));
      await g.waitFunction("add", { timeout: 5 });
      const outcome = await settled(new AdderClient().add(1, 2));
      await sleep(300);
      expect((outcome as Error).name).toBe("ContractMismatchError");
      // Expected: 1 (only the controller's refusal, which means nobody ran it, may be retried).
      expect(runs).toBe(1);
      stream.end();
    }, 20_000);
  });

  describe("feed() iterating by hand", () => {
    let g: Global | undefined;
    const sink = new Sink();
    beforeAll(async () => {
      g = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), logLevel: "silent", processName: "sink" });
    });
    afterAll(() => g?.stop());

    it("an item that cannot be encoded fails the stream, and the producer's finally runs (as for await closed it)", async () => {
      const feeder = new Feeder();
      const outcome = await settled(feeder.feedUnencodable() as unknown as Promise<unknown>);
      expect((outcome as Error).name).toBe("ValidationError");
      await sleep(100);
      expect(feeder.finals).toBe(1);
    });

    it("a sync iterable of promises: each is awaited before it is sent (as for await did)", async () => {
      sink.taken.length = 0;
      const outcome = await settled(new Feeder().feedPromises() as unknown as Promise<unknown>);
      expect(outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : outcome).toBeUndefined();
      expect(sink.taken).toEqual(["promised"]);
    });
  });

  describe("a stale refusal of a stream call", () => {
    let g: Global | undefined;
    let proxy: TcpProxy | undefined;
    afterAll(async () => {
      await g?.stop();
      await proxy?.close();
      await killAll();
    });

    it("during a rolling upgrade (v1 replaced by a compatible v1b), FG and a stream read are judged again and served", async () => {
      const port = await tcpController();
      const env = { DAFFI_HOST: "127.0.0.1", DAFFI_PORT: String(port) };
      const v1 = Spawned.script("test/fixtures/contract-peer.js", { ...env, DAFFI_VARIANT: "v1", DAFFI_NAME: "v1" });
      await v1.waitForLine(/^READY$/);
      proxy = await TcpProxy.start({ host: "127.0.0.1", port }, { lagMs: 300 });
      g = await Global.start({ host: "127.0.0.1", port: proxy.port, logLevel: "silent" });
      await g.waitFunction("range", { timeout: 10 });
      const sums = new SumsClient();
      const read = async () => {
        const items: number[] = [];
        for await (const item of sums.range(3)) items.push(item);
        return items;
      };
      expect(await sums.calculateSum(1, 2)).toBe(3);
      expect(await read()).toEqual([0, 1, 2]);
      // v1b joins, v1 leaves: the controller knows at once, this caller ~300 ms later.
      const v1b = Spawned.script("test/contract-retry.e2e.test.js", { ...env, DAFFI_TEST_PEER: "1", DAFFI_NAME: "v1b" });
      await v1b.waitForLine(/^READY$/);
      v1.kill("SIGKILL");
      await v1.exited;
      await sleep(50);
      const [sum, items] = await Promise.all([settled(sums.calculateSum(1, 2)), settled(read())]);
      const shown = (value: unknown) => (value instanceof Error ? `${value.name}: ${value.message}` : value);
      expect({ sum: shown(sum), items: shown(items) }).toEqual({ sum: 3, items: [0, 1, 2] });
    }, 30_000);
  });
}
