// Spec chapter 2 (Usage): each example pair, service then client, as separate processes.
import { afterEach, describe, expect, it } from "@jest/globals";
import { killAll, Spawned } from "./helpers/Spawned";
import { freePort, tempSocketFolder } from "./helpers/system";
import { CLI, DIST } from "./helpers/Spawned";
import { Global } from "../runtime";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

afterEach(killAll);

/** Starts `<folder>/<service>`, then runs the client to its end; returns both. */
async function runPair(folder: string, service_ = "calculator-service", client_ = "calculator-client"): Promise<{ service: Spawned; client: Spawned }> {
  const env = { DAFFI_HOST: "localhost", DAFFI_PORT: String(await freePort()) };
  const service = Spawned.script(`examples/${folder}/${service_}.js`, env);
  await service.waitForLine(/node\[.*\] \| Node '.*' has been connected to Controller/);
  const client = Spawned.script(`examples/${folder}/${client_}.js`, env);
  await client.succeeds();
  return { service, client };
}

describe("1.1 basic example (class based approach)", () => {
  it("the shopper reads and changes the service's list, streaming two items at once", async () => {
    const { client } = await runPair("shopping-class", "shopping-service", "shopper");
    expect(client.stdout).toEqual(["[]", "[ 'orange' ]", "[ 'orange', 'bread', 'cheese' ]", "[]"]);
  });
});

describe("2.1 basic example", () => {
  it("a Fetcher<Calculator> client calls the CalculatorService", async () => {
    expect((await runPair("basic")).client.stdout).toEqual(["3", "60"]);
  });
});

describe("2.2 fetchers with function body", () => {
  it("sends the arguments the body returns", async () => {
    expect((await runPair("fetcher-body")).client.stdout).toEqual(["6", "60"]);
  });
});

describe("2.3 additional arguments for callback instantiation", () => {
  it("uses the instance the user created with its constructor argument", async () => {
    expect((await runPair("callback-args")).client.stdout).toEqual(["9"]);
  });
});

describe("2.4 private methods", () => {
  it("keeps @local, _name and private members local on both sides", async () => {
    expect((await runPair("private-methods")).client.stdout).toEqual(["3", "exposed: calculateSum"]);
  });
});

describe("2.5 aliased methods", () => {
  it("points two fetcher methods at one callback", async () => {
    expect((await runPair("aliases")).client.stdout).toEqual(["3", "6"]);
  });
});

describe("2.7 stream from fetcher to callback", () => {
  it("the callback runs once per item, in order", async () => {
    const { service, client } = await runPair("stream-to-callback", "stream-service", "stream-client");
    expect(client.stdout).toEqual(["100 items, first 0, last 99"]);
    expect(service.stdout).toEqual([0, 25, 50, 75].map((i) => `Received item: ${i} from process: streamer client`));
  });
});

describe("2.8 stream from callback to fetcher", () => {
  it("the fetcher iterates what the generator callback yields", async () => {
    const { client } = await runPair("stream-to-fetcher", "stream-service", "stream-client");
    expect(client.stdout).toEqual(["received 1000 items, sum 499500", "0", "1", "2"]);
  });
});

describe("2.9 function transfer", () => {
  it("runs the client's function in the executor's process", async () => {
    const { service, client } = await runPair("function-transfer", "executor", "client");
    expect(client.stdout).toEqual([`Pid of remote process: ${service.pid}`, "sum there: 5"]);
  });
});

describe("2.10 bidirectional communication", () => {
  it("each process calls the other", async () => {
    const env = { DAFFI_HOST: "localhost", DAFFI_PORT: String(await freePort()) };
    const shopping = Spawned.script("examples/bidirectional/shopping-service.js", env);
    await shopping.waitForLine(/Controller has been started/);
    const calculator = Spawned.script("examples/bidirectional/calculator-service.js", env);
    await shopping.waitForLine(/^Calculated sum: 6$/);
    await calculator.waitForLine(/^Received shopping items: orange, bread, cheese$/);
  });
});

describe("2.11 SSL certificates", () => {
  it("the spec's script makes a self-signed pair; service and client talk over TLS", async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "daffi-ssl-"));
    execFileSync(path.join(DIST, "..", "examples", "ssl", "generate-certificates.sh"), { cwd: folder, stdio: "ignore" });
    const env = { DAFFI_HOST: "localhost", DAFFI_PORT: String(await freePort()), DAFFI_CERTIFICATES: folder };
    const service = Spawned.script("examples/ssl/calculator-service.js", env);
    await service.waitForLine(/\(TLS\)/);
    await service.waitForLine(/node\[.*\] \| Node '.*' has been connected to Controller/);
    const client = Spawned.script("examples/ssl/calculator-client.js", env);
    await client.succeeds();
    expect(client.stdout).toEqual(["3", "60"]);
  });
});

describe("2.12 lifecycle events", () => {
  it("onInit once; onNodeConnect and onNodeDisconnect across a controller restart; callbacks registered again", async () => {
    const folder = tempSocketFolder();
    const env = { DAFFI_UNIX_SOCK_PATH: folder };
    let controller = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder]);
    await controller.waitForLine(/Controller has been started/);
    const node = Spawned.script("examples/lifecycle/node.js", env);
    await node.waitForLine(/^connected lifecycle node$/);
    controller.kill("SIGTERM");
    await controller.succeeds();
    await node.waitForLine(/^disconnected lifecycle node$/);
    controller = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder]);
    await controller.waitForLine(/Controller has been started/);
    await using g = await Global.start({ unixSockPath: folder, logLevel: "silent" });
    await g.waitFunction("ping", { timeout: 10 });
    expect(await g.call.ping()).toBe("pong");
    while (node.stdout.length < 4) await new Promise((resolve) => setTimeout(resolve, 20)); // its output may trail its calls
    expect(node.stdout).toEqual(["init lifecycle node (controller here: false)", "connected lifecycle node", "disconnected lifecycle node", "connected lifecycle node"]);
  });
});

describe("2.13 asynchronous execution", () => {
  it("BG for the fetcher, FG for one call", async () => {
    const { client } = await runPair("async-execution");
    expect(client.stdout).toEqual(["Waiting", "Fibonacci result: 6765", "Fibonacci result: 610"]);
  });
});

describe("2.14 broadcasting (three processes)", () => {
  it("one call returns every menu by process name", async () => {
    const env = { DAFFI_HOST: "localhost", DAFFI_PORT: String(await freePort()) };
    const burger = Spawned.script("examples/broadcasting/burger-menu-service.js", env);
    await burger.waitForLine(/Controller has been started/);
    const hotdog = Spawned.script("examples/broadcasting/hotdog-menu-service.js", env);
    const client = Spawned.script("examples/broadcasting/menu-client.js", env);
    await client.succeeds();
    expect(JSON.parse(client.stdout[0]!)).toEqual({
      "burger menu": ["The IceBurg", "The Grill Thrill", "Burger Mania", "Chicha Burger"],
      "hotdog menu": ["Wiener", "Weenie", "Coney", "Red Hot"],
    });
    expect(hotdog.exitedEarly()).toBe(false);
  });
});

describe("2.15 task scheduling", () => {
  it("a recurring task runs until cancelled; an atTime task runs at each time", async () => {
    const { service, client } = await runPair("scheduling", "scheduler", "scheduler-client");
    expect(client.stdout).toEqual(["task 1 cancelled: true", "task 2 scheduled: true"]);
    const starts1 = service.stdout.filter((line) => line === "Start long running task 1").length;
    expect(starts1).toBeGreaterThanOrEqual(2);
    expect(starts1).toBeLessThanOrEqual(4);
    expect(service.stdout.filter((line) => line === "Task 2 complete.")).toHaveLength(2);
  });
});

describe("2.6 named processes", () => {
  it("the service waits for the client by its name", async () => {
    const { service } = await runPair("named-processes");
    await service.waitForLine(/^Calculator client has been started\.\.\.$/);
  });
});
