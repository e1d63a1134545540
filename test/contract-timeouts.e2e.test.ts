// Timeouts bound what they promise with the contract check or a stalled producer on the path.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import * as grpc from "@grpc/grpc-js";
import { alias, args, type Args, BROADCAST, Callback, Fetcher, FG, Global } from "../runtime";
import { encode } from "../runtime/wire/codec";
import { Kind } from "../runtime/wire/Kind";
import { PROTOCOL_VERSION } from "../runtime/wire/limits";
import { encodeBatch } from "../runtime/wire/protocol";
import { settled } from "./helpers/settled";
import { CLI, killAll, Spawned } from "./helpers/Spawned";
import { tempSocketFolder } from "./helpers/system";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Adder {
  add(a: number, b: number): number;
}
class AdderClient extends Fetcher<Adder> {}

describe("FG({ timeout }) and the contract read", () => {
  let port: number;
  let g: Global;
  let client: grpc.Client | undefined;

  beforeAll(async () => {
    const controller = new Spawned("controller", [CLI, "controller", "--host", "127.0.0.1", "--port", "0"]);
    port = Number((await controller.waitForLine(/port: (\d+) \]/))[1]);
    g = await Global.start({ host: "127.0.0.1", port, logLevel: "silent" });
  });

  afterAll(async () => {
    client?.close();
    await g?.stop();
    await killAll();
  });

  it("a call with timeout 1 s settles within about 1 s even when its only provider does not answer", async () => {
    // A provider of `add` announcing another contract, that answers nothing (hung, or hostile).
    client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const stream = client.makeBidiStreamRequest<Buffer, Buffer>("/daffi.Daffi/Connect", (b) => b, (b) => b);
    stream.on("error", () => undefined);
    stream.on("data", () => undefined);
    stream.write(encodeBatch({ frames: [{ kind: Kind.HELLO, name: "stuck", payload: encode({ protocol: PROTOCOL_VERSION, callbacks: ["add"], fingerprints: ["AAAAAAAAAAAAAAAAAAAAAA"] }) }] }));
    await g.waitFunction("add", { timeout: 5 });
    const started = Date.now();
    const outcome = await settled(new AdderClient().add.with(FG({ timeout: 1 }))(1, 2));
    const seconds = (Date.now() - started) / 1000;
    expect((outcome as Error).name).toBe("TimeoutError");
    expect(seconds).toBeLessThan(2);
    stream.end();
  }, 20_000);
});

class Sink extends Callback {
  static autoInit = true;
  taken: string[] = [];
  take(item: string): void {
    this.taken.push(item);
  }
}
void Sink;

class Feeder extends Fetcher {
  static execModifier = BROADCAST({ returnResult: true, timeout: 1 });
  /** One item, then the source stalls (a queue nobody fills any more, a socket gone quiet). */
  @alias("take")
  async *feed(): AsyncGenerator<Args> {
    yield args("first");
    await new Promise(() => undefined);
  }
}

describe("BROADCAST stream timeout", () => {
  it('"timeout bounds the whole stream": it settles after about 1 s, whoever has not finished gets TimeoutError', async () => {
    await using g = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), logLevel: "silent", processName: "sink" });
    void g;
    const outcome = await Promise.race([settled(new Feeder().feed() as unknown as Promise<unknown>), sleep(5000).then(() => "still pending after 5 s")]);
    expect(outcome).not.toBe("still pending after 5 s");
  }, 20_000);
});
