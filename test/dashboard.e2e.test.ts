// The live topology page (README: Dashboard) in a real browser: Debian's Chromium driven by
// playwright-core. A controller (the CLI, --dashboard-port) and nodes in processes of their own.
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { CLI, killAll, Spawned } from "./helpers/Spawned";
import { tempSocketFolder } from "./helpers/system";
import { eventually } from "./helpers/eventually";

const CHROMIUM = "/usr/bin/chromium";
let browser: Browser | undefined;

afterEach(killAll);
afterAll(async () => {
  await browser?.close();
});

async function openBrowser(): Promise<Browser> {
  // .ci/run installs Debian's chromium when it is missing; without it this test fails, saying so.
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  return browser;
}

async function controller(folder: string, extra: string[] = [], env: Record<string, string> = {}): Promise<{ process: Spawned; url: string }> {
  const process = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder, "--dashboard-port", "0", "--process-name", "hub", ...extra], env);
  const [, url] = (await process.waitForLine(/Dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/))!;
  await process.waitForLine(/Controller has been started successfully/);
  return { process, url: url! };
}

function node(folder: string, name: string, env: Record<string, string> = {}): Spawned {
  return Spawned.script("test/fixtures/dashboard-node.js", { DAFFI_UNIX_SOCK_PATH: folder, DAFFI_NAME: name, ...env });
}

function status(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers }, (response) => {
      response.resume();
      resolve(response.statusCode!);
      request.destroy();
    });
    request.on("error", reject);
  });
}

/** An auth file with one identity, beta (its token from $BETA_TOKEN), allowed everything. */
function betaAuthFile(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "daffi-test-")), "auth.json");
  fs.writeFileSync(file, JSON.stringify({ identities: { beta: { token: "env:BETA_TOKEN", processNames: ["beta"], serve: ["*"], call: ["*"] } } }));
  return file;
}

/** Fails the test when the page raises a dialog (an injected script would) or logs an error. */
function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on("dialog", (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  return problems;
}

describe("the dashboard in Chromium", () => {
  it("shows both processes, the edge's call rate once calls flow, signatures and errors, and a node leaving — without a reload", async () => {
    const folder = tempSocketFolder();
    const hub = await controller(folder);
    const beta = node(folder, "beta");
    await beta.waitForLine(/^READY$/);
    const page = await (await openBrowser()).newPage({ viewport: { width: 1280, height: 760 } });
    const problems = watchPage(page);
    await page.goto(hub.url);
    await page.locator('#graph [data-process="beta"]').waitFor({ timeout: 10_000 });
    // A node appearing: no reload.
    const alpha = node(folder, "alpha", { LOAD: "beta" });
    await alpha.waitForLine(/^READY$/);
    await page.locator('#graph [data-process="alpha"]').waitFor({ timeout: 10_000 });
    expect(await page.locator("#processes .process h2").allTextContents()).toEqual(expect.arrayContaining(["alpha", "beta", "hubcontroller"]));
    // Calls flow from alpha to beta: the edge shows a rate above zero.
    const rate = page.locator('#graph [data-edge="alpha→beta"] text.rate');
    await rate.waitFor({ timeout: 10_000 });
    // Polled from here: a string predicate that is not true at once is run by eval in the page, which its CSP forbids.
    await eventually(async () => Number.parseFloat((await rate.textContent()) ?? "") > 0, 10_000, "the edge's rate above zero");
    // The callbacks with their signatures, counts and errors by code.
    const price = page.locator('#processes [data-process="beta"] tr[data-callback="price"]');
    await expect(price.locator("code").textContent()).resolves.toBe("price(item: string, quantity: number): number");
    const failures = page.locator('#processes [data-process="beta"] tr[data-callback="fail"] td.bad');
    await eventually(async () => /REMOTE×\d+/.test((await failures.textContent({ timeout: 1_000 }).catch(() => "")) ?? ""), 10_000, "fail's REMOTE errors counted");
    await page.locator('#errors [data-code="REMOTE"]').waitFor({ timeout: 5_000 });
    const screenshot = process.env.DAFFI_DASHBOARD_SCREENSHOT ?? path.join(os.tmpdir(), "daffi-dashboard.png");
    await page.screenshot({ path: screenshot });
    // A node leaving: gone from the graph and the list, without a reload.
    beta.kill("SIGKILL");
    await page.locator('#graph [data-process="beta"]').waitFor({ state: "detached", timeout: 10_000 });
    expect(await page.locator('#processes [data-process="beta"]').count()).toBe(0);
    expect(await page.locator("#status").textContent()).toBe("live");
    expect(problems).toEqual([]);
    await page.close();
    hub.process.kill();
  });

  it("shows a hostile process name as text, never as markup", async () => {
    const folder = tempSocketFolder();
    const hub = await controller(folder);
    const name = `<img src=x onerror=alert(1)>"'&`;
    const hostile = node(folder, name);
    await hostile.waitForLine(/^READY$/);
    const page = await (await openBrowser()).newPage();
    const problems = watchPage(page);
    await page.goto(hub.url);
    const card = page.locator("#processes .process h2", { hasText: "<img" });
    await card.waitFor({ timeout: 10_000 });
    expect(await card.textContent()).toBe(name);
    expect(await page.locator("#processes img, #graph img").count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
    hub.process.kill();
  });

  it("with auth, the page and its data need the token", async () => {
    const folder = tempSocketFolder();
    const authFile = betaAuthFile();
    const token = "dashboard-secret-42";
    const hub = await controller(folder, ["--auth", authFile], { BETA_TOKEN: "beta-secret-1234", DAFFI_DASHBOARD_TOKEN: token });
    const beta = node(folder, "beta", { DAFFI_TOKEN: "beta-secret-1234" });
    await beta.waitForLine(/^READY$/);
    expect(await status(`${hub.url}topology`)).toBe(401);
    expect(await status(`${hub.url}events`)).toBe(401);
    expect(await status(`${hub.url}topology`, { authorization: "Bearer wrong-token-000" })).toBe(401);
    expect(await status(`${hub.url}topology`, { authorization: `Bearer ${token}` })).toBe(200);
    expect(await status(`${hub.url}events?token=${token}`)).toBe(200);
    // Another site reaching the loopback port by a name of its own (DNS rebinding) is not answered.
    expect(await status(hub.url, { host: "attacker.example" })).toBe(421);
    const page = await (await openBrowser()).newPage();
    await page.goto(hub.url);
    await page.locator("#login").waitFor({ state: "visible", timeout: 10_000 });
    expect(await page.locator('#graph [data-process="beta"]').count()).toBe(0);
    await page.fill("#token", token);
    await page.click("#login button");
    await page.locator('#graph [data-process="beta"]').waitFor({ timeout: 10_000 });
    await page.close();
    hub.process.kill();
  });

  it("refuses a dashboard under auth without a token", async () => {
    const folder = tempSocketFolder();
    const authFile = betaAuthFile();
    const cli = new Spawned("controller", [CLI, "controller", "--unix-sock-path", folder, "--dashboard-port", "0", "--auth", authFile], { BETA_TOKEN: "beta-secret-1234", DAFFI_DASHBOARD_TOKEN: "" });
    const exit = await cli.waitForExit();
    expect(exit.code).toBe(1);
    expect(cli.stderr.join("\n")).toMatch(/with auth \(or a node token\) the dashboard needs dashboard.token/);
  });
});
