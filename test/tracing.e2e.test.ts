// Traces with OpenTelemetry (issue 20, item 2): a CLIENT span per call on the caller, a SERVER span
// on the executor, the W3C trace context in the call's metadata, so that one trace spans every hop.
// Each node is a process of its own with the SDK's in-memory exporter (test/fixtures/traced-node.ts):
// a (W3C propagator registered), b (SDK, no propagator: daffi writes traceparent itself), c (a
// tracerProvider given, none registered), d (SDK, `tracing: false`), e (no SDK). This process
// drives them and does not trace (no SDK here).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { CallbackNotFoundError, Global, RemoteError } from "../runtime";
import { NatsServer } from "./helpers/NatsServer";
import { eventually } from "./helpers/eventually";
import { settled } from "./helpers/settled";
import { CLI, killAll, Spawned } from "./helpers/Spawned";
import { tempSocketFolder } from "./helpers/system";

interface FinishedSpan {
  process: string;
  name: string;
  kind: SpanKind;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  traceState: string | null;
  attributes: Record<string, unknown>;
  status: { code: SpanStatusCode; message?: string };
  ms: number;
}

const NODES = { a: "w3c", b: "sdk", c: "provider", d: "off", e: "none" } as const;

describe.each([
  ["a controller, direct links on (the default)", "direct"],
  ["a controller, direct: false", "brokered"],
  ["NATS", "nats"],
] as const)("traces across processes, through %s", (_, mode) => {
  let g: Global;
  let nats: NatsServer | undefined;

  beforeAll(async () => {
    let env: Record<string, string>;
    let options: Parameters<typeof Global.start>[0];
    if (mode === "nats") {
      nats = await NatsServer.start();
      env = { DAFFI_NATS: nats.url };
      options = { nats: { servers: [nats.url] } };
    } else {
      const folder = tempSocketFolder();
      const controller = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder]);
      await controller.waitForLine(/Controller has been started successfully/);
      env = { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_DIRECT: mode === "direct" ? "1" : "0" };
      options = { unixSockPath: folder, direct: mode === "direct" };
    }
    const nodes = Object.entries(NODES).map(([name, setup]) => Spawned.script("test/fixtures/traced-node.js", { ...env, DAFFI_NAME: name, DAFFI_TRACE_SETUP: setup }));
    await Promise.all(nodes.map((node) => node.waitForLine(/^READY$/, 20_000)));
    g = await Global.start({ processName: "driver", ...options, logLevel: "silent" });
    await Promise.all(Object.keys(NODES).map((name) => g.waitFunction(`spans_${name}`, { timeout: 10 })));
  }, 60_000);
  afterAll(async () => {
    await g?.stop();
    await killAll();
    await nats?.kill();
  });

  const call = (name: string, ...args: unknown[]) => g.call[name]!(...args) as unknown as Promise<unknown>;
  /** Every node's finished spans since the last time (each node forgets them once handed over). */
  const finished = async (): Promise<FinishedSpan[]> => (await Promise.all(Object.keys(NODES).map((name) => call(`spans_${name}`) as Promise<FinishedSpan[]>))).flat();
  /** The one span of that process, name and kind. */
  const one = (spans: FinishedSpan[], process: string, name: string, kind: SpanKind): FinishedSpan => {
    const found = spans.filter((span) => span.process === process && span.name === name && span.kind === kind);
    expect([process, name, kind, found.length]).toEqual([process, name, kind, 1]);
    return found[0]!;
  };

  it("A → B → C is one trace: each server span is the child of its caller's client span, each client span of the server span it is made in", async () => {
    expect(await call("hop_a", ["b", "c"], false)).toEqual(["a", "b", "c"]);
    const spans = await finished();
    expect(spans).toHaveLength(5);
    const aServer = one(spans, "a", "daffi hop_a", SpanKind.SERVER);
    const aClient = one(spans, "a", "daffi hop_b", SpanKind.CLIENT);
    const bServer = one(spans, "b", "daffi hop_b", SpanKind.SERVER);
    const bClient = one(spans, "b", "daffi hop_c", SpanKind.CLIENT);
    const cServer = one(spans, "c", "daffi hop_c", SpanKind.SERVER);
    expect(new Set(spans.map((span) => span.traceId)).size).toBe(1);
    expect(aServer.parentSpanId).toBeNull(); // the driver does not trace: a's server span is the root
    expect(aClient.parentSpanId).toBe(aServer.spanId);
    expect(bServer.parentSpanId).toBe(aClient.spanId);
    expect(bClient.parentSpanId).toBe(bServer.spanId);
    expect(cServer.parentSpanId).toBe(bClient.spanId);
    expect(aClient.attributes).toEqual({ "rpc.system": "daffi", "daffi.callback": "hop_b", "daffi.caller": "a", "daffi.modifier": "FG", "daffi.code": "OK" });
    expect(bServer.attributes).toEqual({ "rpc.system": "daffi", "daffi.callback": "hop_b", "daffi.caller": "a", "daffi.target": "b", "daffi.modifier": "FG", "daffi.code": "OK" });
    expect(cServer.attributes).toMatchObject({ "daffi.caller": "b", "daffi.target": "c", "daffi.code": "OK" });
    expect(aServer.attributes).toMatchObject({ "daffi.caller": "driver", "daffi.target": "a" });
    for (const span of spans) expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("a callback that throws: an error status and the code on every span of the way back; a DaffiError's own code", async () => {
    expect(await settled(call("hop_a", ["b", "c"], true))).toBeInstanceOf(RemoteError);
    const spans = await finished();
    expect(spans).toHaveLength(5);
    const cServer = one(spans, "c", "daffi hop_c", SpanKind.SERVER);
    expect(cServer.status).toEqual({ code: SpanStatusCode.ERROR, message: "Error: boom in c" });
    expect(cServer.attributes["daffi.code"]).toBe("REMOTE");
    for (const span of spans) expect([span.process, span.name, span.status.code, span.attributes["daffi.code"]]).toEqual([span.process, span.name, SpanStatusCode.ERROR, "REMOTE"]);

    expect(await settled(call("hop_a", ["nobody"], false))).toBeInstanceOf(RemoteError);
    const refused = one(await finished(), "a", "daffi hop_nobody", SpanKind.CLIENT);
    expect(refused.status.code).toBe(SpanStatusCode.ERROR);
    expect(refused.attributes["daffi.code"]).toBe(new CallbackNotFoundError("").code);
  });

  it.each(["a", "b"])("a traceparent and tracestate from outside (say, an HTTP request) are the parent of %s's server span, and go on", async (first) => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const metadata = { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, tracestate: "vendor=opaque" };
    expect(await g.call[`hop_${first}`]!(["c"], false).fg({ metadata })).toEqual([first, "c"]);
    const spans = await finished();
    expect(spans).toHaveLength(3);
    const server = one(spans, first, `daffi hop_${first}`, SpanKind.SERVER);
    expect(server.parentSpanId).toBe("00f067aa0ba902b7");
    for (const span of spans) expect([span.name, span.traceId, span.traceState]).toEqual([span.name, traceId, "vendor=opaque"]);
    expect(one(spans, "c", "daffi hop_c", SpanKind.SERVER).parentSpanId).toBe(one(spans, first, "daffi hop_c", SpanKind.CLIENT).spanId);
  });

  it("a call made inside the program's own active span is its child", async () => {
    expect(await call("userSpan_a", ["b"])).toEqual(["b"]);
    const spans = await finished();
    const server = one(spans, "a", "daffi userSpan_a", SpanKind.SERVER);
    const own = one(spans, "a", "user work", SpanKind.INTERNAL);
    const client = one(spans, "a", "daffi hop_b", SpanKind.CLIENT);
    expect(own.parentSpanId).toBe(server.spanId);
    expect(client.parentSpanId).toBe(own.spanId);
    expect(one(spans, "b", "daffi hop_b", SpanKind.SERVER).parentSpanId).toBe(client.spanId);
    expect(new Set(spans.map((span) => span.traceId)).size).toBe(1);
  });

  it("a stream read is one span on each side, ended when the stream ends (not at its first item)", async () => {
    expect(await call("readCount_a", "c", 5, 0)).toEqual([0, 1, 2, 3, 4]);
    const spans = await finished();
    const client = one(spans, "a", "daffi count_c", SpanKind.CLIENT);
    const server = one(spans, "c", "daffi count_c", SpanKind.SERVER);
    expect(server.parentSpanId).toBe(client.spanId);
    expect(client.attributes).toMatchObject({ "daffi.stream": "read", "daffi.code": "OK" });
    expect(server.attributes).toMatchObject({ "daffi.stream": "read", "daffi.code": "OK" });
    // 5 items 20 ms apart: both spans cover them all.
    expect(client.ms).toBeGreaterThanOrEqual(90);
    expect(server.ms).toBeGreaterThanOrEqual(90);

    // A reader that breaks off: its span ends then, as CANCELLED.
    expect(await call("readCount_a", "c", 50, 2)).toEqual([0, 1]);
    const spansNow: FinishedSpan[] = [];
    // The executor's span ends once its generator has stopped, a moment after the reader's.
    await eventually(async () => (spansNow.push(...(await finished())), spansNow.some((span) => span.process === "c")), 5000, "c's span of the stream to end");
    const broken = one(spansNow, "a", "daffi count_c", SpanKind.CLIENT);
    expect([broken.status.code, broken.attributes["daffi.code"]]).toEqual([SpanStatusCode.ERROR, "CANCELLED"]);
    expect(broken.ms).toBeLessThan(500);
    const stopped = one(spansNow, "c", "daffi count_c", SpanKind.SERVER);
    // Its caller gave up on it: the executor's span says so too.
    expect([stopped.status.code, stopped.attributes["daffi.code"], stopped.ms < 500]).toEqual([SpanStatusCode.ERROR, "CANCELLED", true]);
  });

  it("a stream written is one span on each side; the calls each item makes are children of the executor's span", async () => {
    await call("writeToC_a", 3, "b");
    const spans = await finished();
    const client = one(spans, "a", "daffi sink_c", SpanKind.CLIENT);
    const server = one(spans, "c", "daffi sink_c", SpanKind.SERVER);
    expect(client.attributes).toMatchObject({ "daffi.stream": "write", "daffi.code": "OK" });
    expect(server.parentSpanId).toBe(client.spanId);
    const fromItems = spans.filter((span) => span.process === "c" && span.name === "daffi hop_b");
    expect(fromItems.map((span) => span.parentSpanId)).toEqual([server.spanId, server.spanId, server.spanId]);
    const atB = spans.filter((span) => span.process === "b" && span.name === "daffi hop_b").map((span) => span.parentSpanId);
    expect(atB.sort()).toEqual(fromItems.map((span) => span.spanId).sort());
    expect(new Set(spans.map((span) => span.traceId)).size).toBe(1);
  });

  it.each(["d", "e"])("process %s (tracing: false / no SDK) makes no spans, its calls work, and the trace goes on through it", async (quiet) => {
    expect(await call("hop_a", [quiet, "c"], false)).toEqual(["a", quiet, "c"]);
    const spans = await finished();
    expect(spans.filter((span) => span.process === quiet)).toEqual([]);
    const client = one(spans, "a", `daffi hop_${quiet}`, SpanKind.CLIENT);
    // The trace context it was called with goes on with the calls it makes (README: Call context).
    const cServer = one(spans, "c", "daffi hop_c", SpanKind.SERVER);
    expect(cServer.traceId).toBe(client.traceId);
    expect(cServer.parentSpanId).toBe(client.spanId);
  });
});
