// Prometheus metrics (README: Metrics): a controller (the CLI, --metrics-port) and a node in their own
// processes, scraped over HTTP as Prometheus would; and the in-process API (g.metrics(), a registry of the program's own).
import { afterAll, describe, expect, it } from "@jest/globals";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Registry } from "prom-client";
import { CallbackNotFoundError, ConfigurationError, Global, ProcessNameInUseError, TimeoutError } from "../runtime";
import { CLI, DIST, killAll, Spawned } from "./helpers/Spawned";
import { tempSocketFolder } from "./helpers/system";
import { eventually } from "./helpers/eventually";

afterAll(killAll);

const RUNTIME = path.join(DIST, "runtime");

function get(url: string, method = "GET"): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode!, type: response.headers["content-type"], body }));
    });
    request.on("error", reject);
    request.end();
  });
}

/** The value of one sample (`name{labels}` exactly as served), undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const WORKER = `
const daffi = require(${JSON.stringify(RUNTIME)});
let release = [];
daffi.callback("ok", (x) => x);
daffi.callback("fails", () => { throw new Error("no"); });
daffi.callback("slow", (ms) => new Promise((resolve) => { const t = setTimeout(resolve, ms); release.push(() => { clearTimeout(t); resolve(); }); }));
daffi.callback("limited", (ms) => new Promise((resolve) => { const t = setTimeout(resolve, ms); release.push(() => { clearTimeout(t); resolve(); }); }), { concurrency: 1, queue: 5 });
daffi.callback("releaseAll", () => { const all = release; release = []; for (const go of all) go(); return all.length; });
daffi.Global.start({ processName: "worker", unixSockPath: process.env.FOLDER, metrics: { port: 0 }, direct: false, logLevel: "warn" })
  .then((g) => console.log("METRICS " + g.metricsPort));
`;

function worker(folder: string): Spawned {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "daffi-test-")), "worker.js");
  fs.writeFileSync(file, WORKER);
  return new Spawned("worker", [file], { FOLDER: folder });
}

async function controller(folder: string): Promise<{ process: Spawned; url: string }> {
  const process = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder, "--metrics-port", "0", "--no-direct", "--process-name", "hub"]);
  const [, url] = (await process.waitForLine(/Metrics served at (http:\/\/127\.0\.0\.1:\d+\/metrics)/))!;
  return { process, url: url! };
}

describe("metrics of a controller and a node, scraped over HTTP", () => {
  it("count calls by outcome code, time them, show those in flight and queued, the node's link and the controller's routing", async () => {
    const folder = tempSocketFolder();
    const hub = await controller(folder);
    const node = worker(folder);
    const [, port] = (await node.waitForLine(/^METRICS (\d+)$/))!;
    const workerUrl = `http://127.0.0.1:${port}/metrics`;
    const g = await Global.start({ processName: "driver", unixSockPath: folder, direct: false, logLevel: "silent" });
    try {
      await g.waitFunction("releaseAll");
      for (let i = 0; i < 3; i++) await g.call.ok("secret-argument-4711");
      for (let i = 0; i < 2; i++) await expect(g.call.fails().fg()).rejects.toThrow();
      await expect(g.call.slow(2000).fg({ timeout: 0.2 })).rejects.toThrow(TimeoutError);
      await expect(g.call.nobodyServesThis().fg()).rejects.toThrow(CallbackNotFoundError);
      // Three slow calls running, three limited ones: one runs, two wait in its queue.
      const running = [1, 2, 3].map(() => g.call.slow(10_000).fg());
      const limited = [1, 2, 3].map(() => g.call.limited(10_000).fg());
      let text = "";
      await eventually(async () => {
        text = (await get(workerUrl)).body;
        return sample(text, 'daffi_calls_in_flight{process="worker",side="server",callback="slow"}') === 3 && sample(text, 'daffi_calls_queued{process="worker",callback="limited"}') === 2;
      }, 5000, "three slow calls in flight, two limited ones queued");
      expect(sample(text, 'daffi_calls_in_flight{process="worker",side="server",callback="limited"}')).toBe(3); // the queued count as in flight
      expect(await g.call.releaseAll()).toBe(5); // the timed-out one ended already; the two queued have not started
      await Promise.all(running);
      await eventually(async () => (await g.call.releaseAll()) === 0 && sample((await get(workerUrl)).body, 'daffi_calls_in_flight{process="worker",side="server",callback="limited"}') === 0, 5000, "the limited calls to end");
      await Promise.all(limited);

      const scraped = await get(workerUrl);
      expect(scraped.status).toBe(200);
      expect(scraped.type).toMatch(/^text\/plain; version=0\.0\.4/);
      text = scraped.body;
      expect(sample(text, 'daffi_calls_total{process="worker",side="server",callback="ok",code="OK"}')).toBe(3);
      expect(sample(text, 'daffi_calls_total{process="worker",side="server",callback="fails",code="REMOTE"}')).toBe(2);
      // The caller gave up: counted under its reason once the callback's code is done.
      await eventually(async () => sample((await get(workerUrl)).body, 'daffi_calls_total{process="worker",side="server",callback="slow",code="TIMEOUT"}') === 1, 5000, "the timed-out call");
      text = (await get(workerUrl)).body;
      expect(sample(text, 'daffi_calls_total{process="worker",side="server",callback="slow",code="OK"}')).toBe(3);
      expect(sample(text, 'daffi_calls_total{process="worker",side="server",callback="limited",code="OK"}')).toBe(3);
      expect(sample(text, 'daffi_call_duration_seconds_count{process="worker",side="server",callback="ok"}')).toBe(3);
      // By caller, for the edges between processes.
      expect(sample(text, 'daffi_calls_by_caller_total{process="worker",callback="ok",caller="driver"}')).toBe(3);
      expect(sample(text, 'daffi_call_duration_seconds_count{process="worker",side="server",callback="slow"}')).toBe(4);
      expect(sample(text, 'daffi_call_duration_seconds_bucket{le="+Inf",process="worker",side="server",callback="slow"}')).toBe(4);
      expect(sample(text, 'daffi_calls_in_flight{process="worker",side="server",callback="slow"}')).toBe(0);
      expect(sample(text, 'daffi_node_connected{process="worker"}')).toBe(1);
      expect(sample(text, 'daffi_node_reconnects_total{process="worker"}')).toBe(0);
      expect(sample(text, 'daffi_node_queued_bytes{process="worker"}')).toBe(0);
      expect(sample(text, "daffi_sent_bytes_total")).toBeGreaterThan(0);
      expect(sample(text, "daffi_received_bytes_total")).toBeGreaterThan(0);
      // Labels are names and codes, never arguments.
      expect(text).not.toContain("secret-argument-4711");

      // A second process asking for a taken name is refused; the controller counts it.
      const impostor = await Global.start({ processName: "worker", unixSockPath: folder, logLevel: "silent", connectTimeout: 5 }).catch((error: unknown) => error);
      expect(impostor).toBeInstanceOf(ProcessNameInUseError);
      const routing = (await get(hub.url)).body;
      expect(sample(routing, 'daffi_controller_nodes{process="hub"}')).toBe(2);
      expect(sample(routing, 'daffi_controller_calls_routed_total{process="hub"}')).toBeGreaterThanOrEqual(16);
      expect(sample(routing, 'daffi_controller_forwarded_bytes_total{process="hub"}')).toBeGreaterThan(0);
      expect(sample(routing, 'daffi_controller_refusals_total{process="hub",kind="node",code="PROCESS_NAME_IN_USE"}')).toBe(1);
      expect(sample(routing, 'daffi_controller_refusals_total{process="hub",kind="call",code="CALLBACK_NOT_FOUND"}')).toBe(1);

      // Only /metrics, only GET (and HEAD).
      expect((await get(workerUrl.replace("/metrics", "/"))).status).toBe(404);
      expect((await get(workerUrl, "POST")).status).toBe(405);
      expect((await get(workerUrl, "HEAD")).status).toBe(200);

      // The controller comes back: the node reconnects, and says so.
      hub.process.kill();
      await eventually(async () => sample((await get(workerUrl)).body, 'daffi_node_connected{process="worker"}') === 0, 10_000, "the node to see its controller gone");
      const again = await controller(folder);
      await eventually(async () => sample((await get(workerUrl)).body, 'daffi_node_reconnects_total{process="worker"}') === 1, 15_000, "the node to reconnect");
      expect(sample((await get(workerUrl)).body, 'daffi_node_connected{process="worker"}')).toBe(1);
      again.process.kill();
    } finally {
      await g.stop();
      node.kill();
      hub.process.kill();
    }
  });

  it("serves on loopback only unless a host is given", async () => {
    const g = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), metrics: { port: 0 }, logLevel: "silent" });
    try {
      const outward = Object.values(os.networkInterfaces()).flat().find((address) => address && address.family === "IPv4" && !address.internal);
      expect((await get(`http://127.0.0.1:${g.metricsPort}/metrics`)).status).toBe(200);
      if (outward) {
        // eslint-disable-next-line jest/no-conditional-expect
        await expect(connect(outward.address, g.metricsPort!)).rejects.toThrow(/ECONNREFUSED/);
      }
    } finally {
      await g.stop();
    }
    const open = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), metrics: { port: 0, host: "0.0.0.0" }, logLevel: "silent" });
    try {
      const outward = Object.values(os.networkInterfaces()).flat().find((address) => address && address.family === "IPv4" && !address.internal);
      if (outward) await connect(outward.address, open.metricsPort!);
    } finally {
      await open.stop();
    }
  });
});

function connect(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host, () => {
      socket.destroy();
      resolve();
    });
    socket.on("error", reject);
  });
}

describe("metrics in the program", () => {
  it("g.metrics() returns the text; without metrics it is a ConfigurationError", async () => {
    const g = await Global.start({ processName: "solo", initController: true, unixSockPath: tempSocketFolder(), metrics: {}, logLevel: "silent" });
    const plain = await Global.start({ initController: true, unixSockPath: tempSocketFolder(), logLevel: "silent" });
    try {
      expect(await g.metrics()).toContain('daffi_controller_nodes{process="solo"} 1');
      expect(g.metricsPort).toBeUndefined();
      await expect(plain.metrics()).rejects.toThrow(ConfigurationError);
    } finally {
      await g.stop();
      await plain.stop();
    }
  });

  it("puts daffi's metrics in a registry of the program's own, shared by two Globals", async () => {
    const registry = new Registry();
    const folder = tempSocketFolder();
    const a = await Global.start({ processName: "a", initController: true, unixSockPath: folder, metrics: { registry }, logLevel: "silent" });
    const b = await Global.start({ processName: "b", unixSockPath: folder, metrics: { registry }, logLevel: "silent" });
    try {
      const text = await registry.metrics();
      expect(sample(text, 'daffi_node_connected{process="a"}')).toBe(1);
      expect(sample(text, 'daffi_node_connected{process="b"}')).toBe(1);
      expect(await a.metrics()).toBe(text);
    } finally {
      await b.stop();
      await a.stop();
    }
    // Stopped Globals leave the registry's gauges.
    expect(await registry.metrics()).not.toContain('daffi_node_connected{process="a"}');
  });

  it("refuses wrong options, and a port in use fails the start", async () => {
    expect(() => new Global({ metrics: { port: -1 } })).toThrow(/metrics.port must be an integer from 0 to 65535, got -1/);
    expect(() => new Global({ metrics: { prot: 1 } as never })).toThrow(/metrics has no option 'prot'/);
    expect(() => new Global({ metrics: { registry: {} } })).toThrow(/metrics.registry must be a prom-client Registry/);
    expect(() => new Global({ metrics: { host: "0.0.0.0" } })).toThrow(/metrics.host needs metrics.port/);
    expect(() => new Global({ metrics: true as never })).toThrow(ConfigurationError);
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      await expect(Global.start({ initController: true, unixSockPath: tempSocketFolder(), metrics: { port }, logLevel: "silent" })).rejects.toThrow(new RegExp(`metrics: port ${port} on 127.0.0.1 is in use`));
    } finally {
      taken.close();
    }
  });
});
