// Reliability: frozen nodes, oversized messages, and a draining stop.
import { afterEach, describe, expect, it } from "@jest/globals";
import { alias, args, type Args, callback, Fetcher, Global, NodeDisconnectedError, PayloadTooLargeError } from "../runtime";
import { settled } from "./helpers/settled";
import { CLI, killAll, Spawned } from "./helpers/Spawned";
import { tempSocketFolder } from "./helpers/system";

afterEach(killAll);

callback(function twice(n: number): number {
  return n * 2;
});

class Feeder extends Fetcher {
  @alias("tick")
  *feedTicks(...labels: string[]): Generator<Args> {
    for (const label of labels) yield args(label);
  }
}

async function waitFor(condition: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function controller(...args: string[]): Promise<{ folder: string; env: Record<string, string> }> {
  const folder = tempSocketFolder();
  const cli = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder, ...args]);
  await cli.waitForLine(/Controller has been started/);
  return { folder, env: { DAFFI_UNIX_SOCK_PATH: folder } };
}

describe("heartbeats", () => {
  it("a frozen node (SIGSTOP) is detected within a bounded time: its calls fail, they do not hang", async () => {
    const { folder, env } = await controller("--heartbeat", "1");
    const frozen = Spawned.script("test/fixtures/peer.js", { ...env, DAFFI_NAME: "frozen", DAFFI_HEARTBEAT: "1" });
    await frozen.waitForLine(/^READY$/);
    await using g = await Global.start({ unixSockPath: folder, heartbeat: 1, logLevel: "silent" });
    const call = settled(g.call.sleep_frozen(60).fg());
    await new Promise((resolve) => setTimeout(resolve, 200));
    const frozenAt = Date.now();
    frozen.kill("SIGSTOP");
    const outcome = await call;
    expect(outcome).toBeInstanceOf(NodeDisconnectedError);
    expect(Date.now() - frozenAt).toBeLessThan(8000);
    frozen.kill("SIGKILL");
  });
});

describe("message size limit", () => {
  it("refuses too large arguments locally and too large results remotely, with a clear error; the rest goes on", async () => {
    const limit = 256 * 1024;
    const { folder, env } = await controller("--max-message-size", String(limit));
    const peer = Spawned.script("test/fixtures/peer.js", { ...env, DAFFI_NAME: "sizer", DAFFI_MAX_MESSAGE_SIZE: String(limit) });
    await peer.waitForLine(/^READY$/);
    await using g = await Global.start({ unixSockPath: folder, maxMessageSize: limit, logLevel: "silent" });
    await expect(g.call.echo(new Uint8Array(limit))).rejects.toBeInstanceOf(PayloadTooLargeError);
    const error = await settled(g.call.bytes(limit));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as Error).message).toMatch(/above the limit/);
    expect((await g.call.bytes(1000)).length).toBe(1000);
    expect((await g.call.echo(new Uint8Array(100_000))).length).toBe(100_000);
  });

  it("a controller with a lower limit than its nodes answers what it cannot forward with an error, in both directions", async () => {
    const limit = 256 * 1024;
    const nodes = String(4 * limit);
    // Every call through the controller (a direct link carries what both nodes allow: test/direct.e2e.test.ts).
    const { folder, env } = await controller("--max-message-size", String(limit), "--no-direct");
    const peer = Spawned.script("test/fixtures/peer.js", { ...env, DAFFI_NAME: "sizer", DAFFI_MAX_MESSAGE_SIZE: nodes });
    await peer.waitForLine(/^READY$/);
    await using g = await Global.start({ unixSockPath: folder, maxMessageSize: Number(nodes), logLevel: "silent" });
    // Under the controller's receive limit, above what it can forward: it answers instead of dropping the call.
    const tooLarge = limit - 4 * 1024;
    const sent = await settled(g.call.echo(new Uint8Array(tooLarge)));
    expect(sent).toBeInstanceOf(PayloadTooLargeError);
    expect((sent as Error).message).toMatch(/arguments .* cannot pass the controller/);
    const answered = await settled(g.call.bytes(tooLarge));
    expect(answered).toBeInstanceOf(PayloadTooLargeError);
    expect((answered as Error).message).toMatch(/answer of 'sizer' .* cannot pass the controller/);
    // A stream to the caller ends at the item that cannot pass, and the generator is stopped.
    const received: number[] = [];
    const read = await settled(
      (async () => {
        for await (const chunk of g.call.chunks([1000, tooLarge, 1000])) received.push((chunk as Uint8Array).length);
      })(),
    );
    expect(read).toBeInstanceOf(PayloadTooLargeError);
    expect(received).toEqual([1000]);
    await waitFor(async () => (await g.call.ticksOf("chunks-ended")) === 1);
    // A stream from the caller: the call fails rather than run without the item that cannot pass.
    const feeder = new Feeder();
    const fed = await settled((async () => void (await feeder.feedTicks("fed-1", "x".repeat(tooLarge), "fed-2")))());
    expect(fed).toBeInstanceOf(PayloadTooLargeError);
    expect((fed as Error).message).toMatch(/a stream item .* cannot pass the controller/);
    expect(await g.call.ticksOf("fed-2")).toBe(0);
    expect((await g.call.bytes(1000)).length).toBe(1000);
    expect((await g.call.echo(new Uint8Array(100_000))).length).toBe(100_000);
  });
});

describe("graceful stop", () => {
  it("SIGTERM on a node lets its running calls finish and answer, then it exits", async () => {
    const { folder, env } = await controller();
    const peer = Spawned.script("test/fixtures/peer.js", { ...env, DAFFI_NAME: "leaving" });
    await peer.waitForLine(/^READY$/);
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent" });
    const call = g.call.sleep_leaving(0.8).fg(); // .fg() sends now (a RemoteCall is lazy)
    await new Promise((resolve) => setTimeout(resolve, 200));
    peer.kill("SIGTERM");
    expect(await call).toBe("leaving");
    await peer.succeeds();
  });

  it("stop() of the controller lets the calls in flight finish first", async () => {
    const folder = tempSocketFolder();
    const cli = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder]);
    await cli.waitForLine(/Controller has been started/);
    const peer = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "worker" });
    await peer.waitForLine(/^READY$/);
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent" });
    const call = g.call.sleep_worker(0.8).fg();
    await new Promise((resolve) => setTimeout(resolve, 200));
    cli.kill("SIGTERM");
    expect(await call).toBe("worker");
    await cli.succeeds();
  });
});

describe("reconnection", () => {
  it("calls made while the controller is away wait for it (up to their timeout), then go through once it is back", async () => {
    const folder = tempSocketFolder();
    let cli = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder]);
    await cli.waitForLine(/Controller has been started/);
    const peer = Spawned.script("test/fixtures/peer.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: "survivor" });
    await peer.waitForLine(/^READY$/);
    let disconnects = 0;
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent", onNodeDisconnect: () => disconnects++ });
    cli.kill("SIGKILL");
    await cli.exited;
    while (disconnects === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(g.call.add(1, 1).fg({ timeout: 0.3 })).rejects.toThrow(/could not be sent within 0.3s: not connected/);
    // A callback of this very process: it is registered again (HELLO) before the queued call goes out.
    const waiting = g.call.twice(21).fg({ timeout: 20 });
    cli = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder]);
    await cli.waitForLine(/Controller has been started/);
    expect(await waiting).toBe(42);
    await g.waitFunction("add", { timeout: 20 }); // the other node re-registered too
    expect(await g.call.add(2, 2)).toBe(4);
  });
});
