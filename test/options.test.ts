// Bad options fail fast with ConfigurationError and a message saying what is wrong.
import { describe, expect, it } from "@jest/globals";
import { BG, ConfigurationError, Fetcher, FG, Global, NO_RETURN, PERIOD, StoppedError } from "../runtime";
import { tempSocketFolder } from "./helpers/system";
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
    // The value is shown as it was passed: the string "8888" is not the number 8888.
    [{ port: "8888" } as unknown as GlobalOptions, /^port must be an integer from 0 to 65535, got "8888" \(a string\)$/],
    [{ maxConcurrentCalls: 0 }, /^maxConcurrentCalls must be a whole number, at least 1, got 0$/],
    [{ heartbeat: "10" } as unknown as GlobalOptions, /got "10" \(a string\)$/],
    [{ host: 8888 } as unknown as GlobalOptions, /^host must be a non-empty string, got 8888$/],
    [{ contract: "loose" } as unknown as GlobalOptions, /^contract must be "strict", "warn" or "off", got "loose" \(a string\)$/],
    [{ tracing: "on" } as unknown as GlobalOptions, /^tracing must be true, false or \{ tracerProvider \}, got "on" \(a string\)$/],
    [{ tracing: { tracer: {} } } as unknown as GlobalOptions, /^tracing has no option 'tracer' \(options: tracerProvider\)$/],
    [{ tracing: { tracerProvider: {} } } as unknown as GlobalOptions, /^tracing.tracerProvider must be an OpenTelemetry TracerProvider \(with getTracer\)/],
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
    expect(() => FG({ timeout: "5" } as never)).toThrow('FG timeout must be a positive number of seconds, got "5" (a string)');
    expect(() => PERIOD({ interval: true } as never)).toThrow(/PERIOD interval must be seconds or a string like "1m24s", got true/);
    expect(() => FG({ timeout: Number.NaN })).toThrow(ConfigurationError);
    expect(() => BG({ eta: -1 })).toThrow(/BG eta must be a non-negative/);
    expect(() => NO_RETURN({ timeout: 1 } as never)).toThrow(/NO_RETURN has no option 'timeout'/);
  });
});

describe("a fetcher after stop()", () => {
  it("is refused with StoppedError, as g.call is", async () => {
    class AfterStop extends Fetcher {
      declare anything: () => Promise<number>;
    }
    const g = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), logLevel: "silent" });
    await g.stop();
    await expect(new AfterStop().anything()).rejects.toBeInstanceOf(StoppedError);
    await expect(g.call.anything()).rejects.toBeInstanceOf(StoppedError);
  });
});
