// A broadcast's gathering: the first answer of each process counts.
import { describe, expect, it } from "@jest/globals";
import { BroadcastCollector } from "../runtime/call/BroadcastCollector";
import { NodeDisconnectedError } from "../runtime/errors/DaffiError";

describe("BroadcastCollector", () => {
  it("keeps a process's answer when its link is lost afterwards (a direct broadcast's other processes still answering)", () => {
    const collector = new BroadcastCollector<string>();
    collector.accept(["b1", "b2"]);
    collector.answer("b1", "b1 menu");
    collector.answer("b1", new NodeDisconnectedError("the direct link to process 'b1' was lost"));
    expect(collector.complete).toBe(false);
    collector.answer("b2", "b2 menu");
    expect(collector.result()).toEqual({ b1: "b1 menu", b2: "b2 menu" });
  });
});
