// Spec chapter 2 (Usage): each example pair, service then client, as separate processes.
import { afterEach, describe, expect, it } from "@jest/globals";
import { killAll, Spawned } from "./helpers/Spawned";
import { freePort } from "./helpers/system";

afterEach(killAll);

/** Starts `<folder>/calculator-service`, then runs the client to its end; returns both. */
async function runPair(folder: string): Promise<{ service: Spawned; client: Spawned }> {
  const env = { DAFFI_HOST: "localhost", DAFFI_PORT: String(await freePort()) };
  const service = Spawned.script(`examples/${folder}/calculator-service.js`, env);
  await service.waitForLine(/node\[.*\] \| Node '.*' has been connected to Controller/);
  const client = Spawned.script(`examples/${folder}/calculator-client.js`, env);
  await client.succeeds();
  return { service, client };
}

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

describe("2.6 named processes", () => {
  it("the service waits for the client by its name", async () => {
    const { service } = await runPair("named-processes");
    await service.waitForLine(/^Calculator client has been started\.\.\.$/);
  });
});
