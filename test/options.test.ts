// Bad options fail fast with ConfigurationError and a message saying what is wrong.
import { describe, expect, it } from "@jest/globals";
import { BG, ConfigurationError, FG, Global, NO_RETURN } from "../runtime";
import type { GlobalOptions } from "../runtime";

describe("Global options", () => {
  it.each<[GlobalOptions, RegExp]>([
    [{ port: -1 }, /port must be an integer/],
    [{ port: 1.5 }, /port must be an integer/],
    [{ processName: "" }, /processName/],
    [{ initController: false, initNode: false }, /nothing to start/],
    [{ unixSockPath: "/tmp/x", port: 1 }, /either unixSockPath or host\/port/],
    [{ onInit: 5 as unknown as GlobalOptions["onInit"] }, /onInit must be a function/],
    [{ prot: 1 } as GlobalOptions, /unknown Global option 'prot'/],
  ])("%j is refused", (options, message) => {
    expect(() => new Global(options)).toThrow(ConfigurationError);
    expect(() => new Global(options)).toThrow(message);
  });
});

describe("execution modifiers", () => {
  it("are usable bare or configured", () => {
    expect(FG.kind).toBe("FG");
    expect(FG({ timeout: 5 })).toEqual({ kind: "FG", options: { timeout: 5 } });
    expect(BG({ eta: 0, timeout: 1 })).toEqual({ kind: "BG", options: { eta: 0, timeout: 1 } });
    expect(NO_RETURN({ eta: 2 })).toEqual({ kind: "NO_RETURN", options: { eta: 2 } });
  });

  it("refuse bad options with a clear message", () => {
    expect(() => FG({ timeout: 0 })).toThrow(/FG timeout must be a positive number of seconds/);
    expect(() => FG({ timeout: Number.NaN })).toThrow(ConfigurationError);
    expect(() => BG({ eta: -1 })).toThrow(/BG eta must be a non-negative/);
    expect(() => NO_RETURN({ timeout: 1 } as never)).toThrow(/NO_RETURN has no option 'timeout'/);
  });
});
