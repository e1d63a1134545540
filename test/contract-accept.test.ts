// More compatible fingerprints than a CALL may carry (the controller refuses an accept above 4,160 characters): the caller pins its call to one good provider instead.
import { describe, expect, it } from "@jest/globals";
import { ContractCheck } from "../runtime/contract/ContractCheck";
import { fingerprintOf } from "../runtime/contract/fingerprint";
import type { MethodContract } from "../runtime/contract/Shape";
import { RegistryView } from "../runtime/registry/RegistryView";
import { decode, encode } from "../runtime/wire/codec";
import { Kind, Mode } from "../runtime/wire/Kind";
import { routerHarness } from "./helpers/routerHarness";

const silent = { warn: () => undefined, info: () => undefined, debug: () => undefined, error: () => undefined } as never;
const contract = (param: string): MethodContract => {
  const text = JSON.stringify({ sigs: [{ params: [{ name: param, type: "number" }], result: "number" }] });
  return { text, fingerprint: fingerprintOf(text) };
};

describe("more compatible fingerprints than a CALL carries", () => {
  it("190 compatible providers (builds differing only in a parameter's name): the call is pinned to one of them and goes through", async () => {
    const expected = contract("a");
    const builds = Array.from({ length: 190 }, (_, i) => contract(`a${i}`));
    const registry = new RegistryView();
    const processes = builds.map((_, i) => `p${i}`);
    registry.update({ processes, callbacks: [["add", processes, builds.map((b) => b.fingerprint)]] });
    const check = new ContractCheck(registry, async (process) => builds[Number(process.slice(1))]!.text, "strict", silent);
    const route = (await check.admit("add", expected, false)) as { accept: string; target?: string };
    expect(route).toEqual({ accept: "", target: expect.stringMatching(/^p\d+$/) }); // all read and found compatible: too many to list

    const { join, send, answer: answerTo } = routerHarness();
    builds.forEach((b, i) => join(`p${i}`, ["add"], [b.fingerprint]));
    send({ kind: Kind.CALL, callId: 1, name: "add", mode: Mode.NO_RETURN, payload: encode([1]), target: route.target });
    const answer = (await answerTo(1))!;
    expect({ kind: answer.kind, code: answer.payload && answer.kind === Kind.ERROR ? decode<{ code: string }>(answer.payload).code : undefined }).toEqual({ kind: Kind.ACCEPTED, code: undefined });
  });
});
