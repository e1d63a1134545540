// Spec 2.9 / Global.transfer_and_call: functions sent to another node, only where it allows them.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Global, NodeDisconnectedError, RemoteError, TransferNotAllowedError } from "../runtime";
import { settled } from "./helpers/settled";
import { killAll, Spawned } from "./helpers/Spawned";
import { startController } from "./helpers/system";

describe("transferAndCall", () => {
  let g: Global;
  let allowed: Spawned;

  beforeAll(async () => {
    const { connection } = await startController("unix");
    allowed = Spawned.script("test/fixtures/peer.js", { ...connection.env, DAFFI_NAME: "open", DAFFI_ALLOW_TRANSFER: "1" });
    const closed = Spawned.script("test/fixtures/peer.js", { ...connection.env, DAFFI_NAME: "closed" });
    await Promise.all([allowed.waitForLine(/^READY$/), closed.waitForLine(/^READY$/)]);
    g = await Global.start({ processName: "sender", ...connection.options, logLevel: "silent" });
  });

  afterAll(async () => {
    await g?.stop();
    await killAll();
  });

  it("runs sync and async functions there, with arguments, and returns their result", async () => {
    expect(await g.transferAndCall("open", () => process.pid)).toBe(allowed.pid);
    expect(await g.transferAndCall("open", async (a: number, b: string) => `${b}${a * 2}`, 21, "x")).toBe("x42");
    expect(await g.transferAndCall("open", function named(items: number[]) { return items.length; }, [1, 2, 3])).toBe(3);
    const hostname = await g.transferAndCall("open", () => (require("node:os") as typeof import("node:os")).hostname());
    expect(typeof hostname).toBe("string");
  });

  it("is refused with TransferNotAllowedError by a node without allowTransfer", async () => {
    await expect(g.transferAndCall("closed", () => 1)).rejects.toBeInstanceOf(TransferNotAllowedError);
  });

  it("returns a thrown error as RemoteError; the node goes on", async () => {
    const error = await settled(
      g.transferAndCall("open", () => {
        throw new SyntaxError("inside the transferred function");
      }),
    );
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ remoteName: "SyntaxError", message: "inside the transferred function", processName: "open" });
    expect(await g.transferAndCall("open", () => "still here")).toBe("still here");
  });

  it("fails at once for a process that is not connected", async () => {
    await expect(g.transferAndCall("nobody", () => 1)).rejects.toBeInstanceOf(NodeDisconnectedError);
  });
});
