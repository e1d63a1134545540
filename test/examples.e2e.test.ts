// The spec's examples, run as they are, in separate processes.
import { afterEach, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { CLI, killAll, Spawned } from "./helpers/Spawned";
import { NatsServer } from "./helpers/NatsServer";
import { freePort, tempSocketFolder } from "./helpers/system";

/** NATS servers started by a test, killed after it. */
const natsServers: NatsServer[] = [];
afterEach(async () => {
  await killAll();
  await Promise.all(natsServers.splice(0).map((server) => server.kill()));
});

describe("getting started (03-readme-v1): process1 and process2", () => {
  it("proc1 calls func1/func2 of proc2 and proc2 calls func3 of proc1 in the background", async () => {
    const env = { DAFFI_HOST: "localhost", DAFFI_PORT: String(await freePort()) };
    const process1 = Spawned.script("examples/getting-started/process1.js", env);
    await process1.waitForLine(/Controller has been started successfully/);
    const process2 = Spawned.script("examples/getting-started/process2.js", env);

    await process1.succeeds(30_000);
    expect(process1.stdout.filter((line) => line === "Calculated delta = 7")).toHaveLength(10);
    expect(process2.stdout.filter((line) => line === "Calculated sum is 10")).toHaveLength(5);
    expect(process2.stdout.filter((line) => line === "Func2 has been triggered!")).toHaveLength(10);
    // proc2 joins forever, as in the spec: it is still running, retrying the controller.
    expect(process2.exitedEarly()).toBe(false);
  });
});

describe("basic example (04-readme-v2): shopping service and shopper, function form", () => {
  it("the shopper changes the service's list and reads it back", async () => {
    const env = { DAFFI_HOST: "localhost", DAFFI_PORT: String(await freePort()) };
    const service = Spawned.script("examples/shopping/shopping-service.js", env);
    await service.waitForLine(/node\[.*\] \| Node '.*' has been connected to Controller/);
    const shopper = Spawned.script("examples/shopping/shopper.js", env);

    await shopper.succeeds();
    expect(shopper.stdout).toEqual([
      "current shoping list items:",
      "[]",
      "adding 'orange' to shopping list and getting updated list from remote",
      "[ 'orange' ]",
      "adding 'milk' to shopping list and getting updated list from remote",
      "[ 'orange', 'milk' ]",
      "cleaning shopping list and geting updated list from remote",
      "[]",
    ]);
    expect(shopper.stderr.join("\n")).toMatch(/INFO: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \| node\[0x[0-9a-f]{8}\] \| Node stopped\./);
  });
});

describe("contract drift (README: Contract checks): an old client meets a new service", () => {
  it("the compatible change passes, the incompatible one fails at once with ContractMismatchError showing both signatures", async () => {
    const env = { DAFFI_UNIX_SOCK_PATH: tempSocketFolder() };
    const service = Spawned.script("examples/contract-drift/service-v2.js", env);
    await service.waitForLine(/node\[calculator\] \| Node 'calculator' has been connected to Controller/);
    const client = Spawned.script("examples/contract-drift/old-client.js", env);
    await client.succeeds();
    expect(client.stdout).toEqual([
      "describe(3) = 3.00",
      "calculateSum(1, 2, 3) was not sent: CONTRACT_MISMATCH",
      "fetcher expects calculateSum(...numbers: number[]): number, 'calculator' serves calculateSum(a: number, b: number): number (the callback needs 2 argument(s), the fetcher may send 0)",
      "'calculator' serves calculateSum(a: number, b: number): number",
    ]);
  });
});

describe("the demo (npm run demo)", () => {
  it("starts a controller and two nodes on the default UNIX socket; calls go both ways", async () => {
    const demo = Spawned.script("examples/demo/run.js");
    await demo.succeeds(30_000);
    expect(demo.stdout).toEqual(expect.arrayContaining(["[alice] alice -> bob add(2, 3) = 5", "[alice] alice -> bob average([1, 2, 3, 4]) = 2.5", "demo finished: calls went both ways"]));
    expect(demo.stdout.some((line) => line.startsWith('[bob] bob -> alice greet("bob") = Hello, bob!'))).toBe(true);
  });
});

describe("permissions (README: Security): identities with tokens, serve and call", () => {
  it("billing serves only what it may, the frontend calls only what it may, strangers are refused", async () => {
    const env = { DAFFI_UNIX_SOCK_PATH: tempSocketFolder(), BILLING_TOKEN: randomBytes(16).toString("hex"), FRONT_TOKEN: randomBytes(16).toString("hex") };
    const controller = Spawned.script("examples/permissions/controller.js", env);
    await controller.waitForLine(/Controller has been started successfully/);
    const billing = Spawned.script("examples/permissions/billing.js", env);
    await billing.waitForLine(/^billing ready$/);
    await billing.waitForLine(/Controller: PermissionDeniedError: identity 'billing' may not serve 'resetAccounts': not registered/);
    const frontend = Spawned.script("examples/permissions/frontend.js", env);
    await frontend.succeeds();
    expect(frontend.stdout).toEqual([
      "callbacks registered: charge, refund",
      "charged 1000 cents to alice",
      "refund refused: identity 'frontend' may not call 'refund' (it may call: charge*)",
      "billing-2 refused: identity 'frontend' may not use the process name 'billing-2'",
      "no token refused: this controller admits only known identities: start the node with a token (or a client certificate with mutual TLS)",
    ]);
    for (const token of [env.BILLING_TOKEN, env.FRONT_TOKEN]) expect([...controller.stderr, ...billing.stderr, ...frontend.stderr].join("\n")).not.toContain(token);
  });
});

describe("direct links (README, Direct links): a shop calls its pricing service on a link of its own", () => {
  it("the calls take the direct link, and go on when the controller is gone", async () => {
    const folder = tempSocketFolder();
    // Direct links on, whatever the environment (the CI's second run sets DAFFI_DIRECT=0).
    const controller = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder], { DAFFI_DIRECT: "1" });
    await controller.waitForLine(/Controller has been started successfully/);
    const env = { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_DIRECT: "1" };
    const service = Spawned.script("examples/direct-links/pricing-service.js", env);
    await service.waitForLine(/Node 'pricing-service' has been connected to Controller/);
    const shop = Spawned.script("examples/direct-links/shop.js", env);
    await shop.waitForLine(/^direct links: pricing-service$/, 15_000);
    controller.kill("SIGKILL");
    await shop.succeeds(15_000);
    expect(shop.stdout).toEqual(["basket: 4.30", "direct links: pricing-service", "controller gone; milk costs 1.1"]);
  });
});

/** The processes of an example reach each other through a controller of their own, or on a NATS server of their own. */
async function exampleSystem(on: "controller" | "NATS"): Promise<Record<string, string>> {
  if (on === "NATS") {
    const server = await NatsServer.start();
    natsServers.push(server);
    return { DAFFI_NATS: server.url };
  }
  const folder = tempSocketFolder();
  const controller = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder]);
  await controller.waitForLine(/Controller has been started successfully/);
  return { DAFFI_UNIX_SOCK_PATH: folder };
}

describe.each(["controller", "NATS"] as const)("call chain and interceptors (README, Call context), through a %s", (on) => {
  it("web → orders → billing → ledger: a request id travels in metadata, web's timeout and its cancel abort the ledger's signal", async () => {
    const env = await exampleSystem(on);
    for (const hop of ["ledger", "billing", "orders"]) {
      const service = Spawned.script(`examples/call-chain/${hop}.js`, env);
      await service.waitForLine(new RegExp(`Node '${hop}' has been connected to Controller`), 20_000);
    }
    const web = Spawned.script("examples/call-chain/web.js", env);
    await web.succeeds(30_000);
    expect(web.stdout).toEqual([
      "book recorded for req-1 (called by billing, a deadline ahead)",
      "req-2: TimeoutError",
      "ledger aborted req-2: TimeoutError",
      "req-3: CancelledError",
      "ledger aborted req-3: CancelledError",
    ]);
  });

  it("interceptors: the client's token and request id on every call, the service's token check and timing", async () => {
    const env = await exampleSystem(on);
    const service = Spawned.script("examples/interceptors/service.js", env);
    await service.waitForLine(/Node 'greeter' has been connected to Controller/, 20_000);
    const client = Spawned.script("examples/interceptors/client.js", env);
    await client.succeeds(30_000);
    expect(client.stdout.filter((line) => !line.startsWith("INFO"))).toEqual(["hello Ada (request req-1)", "refused: 'client' showed no valid token"]);
    await service.waitForLine(/^greet from client took [\d.]+ ms$/);
  });
});

describe("observability (README: Metrics, Logs): a service's metrics scraped with a plain HTTP GET", () => {
  it("the service counts its calls by outcome and times them; its logs are JSON lines", async () => {
    const env = await exampleSystem("controller");
    const service = Spawned.script("examples/observability/service.js", { ...env, METRICS_PORT: "0" });
    const [url] = (await service.waitForLine(/^metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)$/, 20_000)).slice(1);
    const client = Spawned.script("examples/observability/client.js", env, [url!]);
    await client.succeeds(30_000);
    expect(client.stdout.filter((line) => line.startsWith("daffi_"))).toEqual([
      'daffi_calls_total{process="pricing",side="server",callback="price",code="OK"} 3',
      'daffi_calls_total{process="pricing",side="server",callback="price",code="REMOTE"} 2',
      'daffi_calls_total{process="pricing",side="server",callback="restock",code="OK"} 4',
      'daffi_call_duration_seconds_count{process="pricing",side="server",callback="price"} 5',
    ]);
    const logged = service.stderr.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as { process: string; message: string });
    expect(logged.find((record) => record.message === "Node 'pricing' has been connected to Controller")).toMatchObject({ process: "pricing" });
  });
});

describe("daffi on a NATS cluster (README: Scaling out): two inventories, a store, a server killed", () => {
  it("calls spread over both, a BROADCAST reaches each, and the calls go on when the store's server is killed", async () => {
    const cluster = await NatsServer.cluster(3);
    natsServers.push(...cluster);
    const env = { DAFFI_NATS: cluster.map((server) => server.url).join(",") };
    for (const name of ["inventory-1", "inventory-2"]) {
      const inventory = Spawned.script("examples/nats-cluster/inventory.js", env, [name]);
      await inventory.waitForLine(new RegExp(`^${name} ready$`), 20_000);
    }
    const store = Spawned.script("examples/nats-cluster/store.js", env);
    await store.waitForLine(/^ready for a server to go$/, 20_000);
    const [, port] = (await store.waitForLine(/Connected to NATS at [^:\s]+:(\d+)/))!;
    await cluster.find((server) => server.port === Number(port))!.kill();
    await store.succeeds(30_000);
    expect(store.stdout).toEqual([
      "served by: inventory-1, inventory-2",
      "reserved so far: inventory-1=5, inventory-2=5",
      "caviar: RemoteError",
      "ready for a server to go",
      "failures: none but NodeDisconnectedError",
      "calls go on after the server left",
    ]);
    expect(store.stderr.join("\n")).toMatch(/Reconnected to NATS at/);
  }, 60_000);
});
