// One traced fg_seq run of daffi, of the plain gRPC relay and of the raw baseline, in fresh processes:
// every process marks the messages it encodes and decodes, and hops() lays out the call's path.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Spawned } from "../../test/helpers/Spawned";
import type { Traces } from "../report";
import { DaffiSystem, RawServer, traced, type Transport, using } from "../systems";
import { hops } from "./hops";

export async function tracedFgSeq(transport: Transport, seconds: number): Promise<Traces> {
  const daffi = { folder: fs.mkdtempSync(path.join(os.tmpdir(), "daffi-trace-")) };
  const relay = { folder: fs.mkdtempSync(path.join(os.tmpdir(), "daffi-trace-relay-")) };
  const raw = { folder: fs.mkdtempSync(path.join(os.tmpdir(), "daffi-trace-raw-")) };
  const args = ["fg_seq", String(seconds)];
  await using(DaffiSystem.start(transport, ["executor"], daffi), async (system) => {
    const caller = traced(daffi, "caller");
    await Spawned.script("bench/daffi-client.js", { ...system.env, ...caller.env }, args, caller.nodeArgs).succeeds(60_000);
  });
  await using(RawServer.relay(transport, relay), async (server) => {
    await Spawned.script("bench/raw-client.js", traced(relay, "caller", false).env, [server.target, ...args]).succeeds(60_000);
  });
  await using(RawServer.start(transport, raw), async (server) => {
    await Spawned.script("bench/raw-client.js", traced(raw, "client", false).env, [server.target, ...args]).succeeds(60_000);
  });
  const skip = Math.min(1, seconds / 2); // past the warm-up
  return { daffi: hops(daffi.folder, "caller", skip), relay: hops(relay.folder, "caller", skip), raw: hops(raw.folder, "client", skip) };
}
