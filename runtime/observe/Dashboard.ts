// The live topology page (README: Dashboard): an HTTP server of this process serving the page (its
// assets are files of the package: no CDN, no build step), one sample of the system as JSON
// (/topology) and a sample each second, or at once when a process comes or goes, as Server-Sent
// Events (/events). Loopback only unless a host is given; with a token, the data needs it.
import { createHash, timingSafeEqual } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import type { Logger } from "../log/Logger";
import type { DashboardOptions } from "./DashboardOptions";
import { hostAllowed, isLoopback } from "./hostCheck";
import { closeHttp, listenHttp } from "./httpServer";
import type { SystemView, Topology } from "./SystemView";

/** Pages watching at once; more are refused (503): each costs a connection and a write per second. */
export const MAX_WATCHERS = 32;
/** A watcher that has this much not taken yet misses samples until it reads (never a growing queue). */
const MAX_UNREAD_BYTES = 1024 * 1024;
const SAMPLE_MS = 1000;
/** How often the registry is looked at for a process come or gone (then a sample at once). */
const REGISTRY_POLL_MS = 200;

const ASSETS: Record<string, string> = { "/": "index.html", "/index.html": "index.html", "/app.js": "app.js", "/style.css": "style.css" };
const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

export class Dashboard {
  private server?: http.Server;
  private readonly watchers = new Set<http.ServerResponse>();
  private readonly tokenDigest?: Buffer;
  private timer?: NodeJS.Timeout;
  private poll?: NodeJS.Timeout;
  private current?: Promise<Topology>;
  private lastVersion = -1;
  private last?: string;
  private readonly assets = new Map<string, Buffer>();
  /** The port bound (the one picked for 0); undefined before listen. */
  port?: number;

  constructor(
    private readonly options: DashboardOptions,
    private readonly view: SystemView,
    /** The registry's version: it changes when a process or callback comes or goes. */
    private readonly registryVersion: () => number,
    private readonly log: Logger,
  ) {
    if (options.token !== undefined) this.tokenDigest = digest(options.token);
  }

  get host(): string {
    return this.options.host ?? "127.0.0.1";
  }

  async listen(): Promise<void> {
    const folder = path.join(__dirname, "dashboard");
    for (const file of new Set(Object.values(ASSETS))) this.assets.set(file, fs.readFileSync(path.join(folder, file)));
    ({ server: this.server, port: this.port } = await listenHttp("dashboard", this.host, this.options.port, (request, response) => this.handle(request, response)));
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    // Whatever a request says, it is answered (400 for a target that is no path), never thrown: this may be the controller's process.
    let url: URL;
    try {
      url = new URL(request.url ?? "/", "http://dashboard");
    } catch {
      return void plain(response, 400, "bad request target\n");
    }
    if (!hostAllowed(request.headers.host, this.host, this.tokenDigest !== undefined)) {
      return void plain(response, 421, isLoopback(this.host) ? "this dashboard answers only as localhost\n" : "without a token this dashboard answers only when addressed by its IP address\n");
    }
    if (request.method !== "GET" && request.method !== "HEAD") return void plain(response, 405, "only GET\n", { allow: "GET, HEAD" });
    const asset = ASSETS[url.pathname];
    if (asset) {
      response.writeHead(200, { "content-type": TYPES[path.extname(asset)]!, ...SECURITY_HEADERS });
      return void response.end(request.method === "HEAD" ? undefined : this.assets.get(asset));
    }
    if (url.pathname !== "/topology" && url.pathname !== "/events") return void plain(response, 404, "not found\n");
    if (!this.allowed(request, url)) return void plain(response, 401, "this dashboard needs its token\n", { "www-authenticate": 'Bearer realm="daffi dashboard"' });
    if (url.pathname === "/topology") {
      void this.sampleOnce().then(
        (topology) => json(response, 200, topology),
        (error: unknown) => plain(response, 500, `${error instanceof Error ? error.message : String(error)}\n`),
      );
      return;
    }
    this.watch(request, response);
  }

  /** The token, from `Authorization: Bearer …` or (EventSource sends no headers) `?token=`. */
  private allowed(request: http.IncomingMessage, url: URL): boolean {
    if (!this.tokenDigest) return true;
    const header = request.headers.authorization;
    const given = header?.startsWith("Bearer ") ? header.slice("Bearer ".length) : url.searchParams.get("token");
    return typeof given === "string" && timingSafeEqual(digest(given), this.tokenDigest);
  }

  private watch(request: http.IncomingMessage, response: http.ServerResponse): void {
    if (this.watchers.size >= MAX_WATCHERS) return void plain(response, 503, `at most ${MAX_WATCHERS} pages watch at once\n`);
    response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", connection: "keep-alive", ...SECURITY_HEADERS });
    response.write("retry: 1000\n\n");
    this.watchers.add(response);
    const leave = () => {
      this.watchers.delete(response);
      if (this.watchers.size === 0) this.idle();
    };
    request.on("close", leave);
    response.on("error", leave);
    if (this.last) response.write(this.last);
    this.start();
    void this.sample();
  }

  /** Samples while somebody watches: each second, and at once when the registry changed. */
  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sample(), SAMPLE_MS);
    this.poll = setInterval(() => {
      if (this.registryVersion() !== this.lastVersion) void this.sample();
    }, REGISTRY_POLL_MS);
  }

  private idle(): void {
    clearInterval(this.timer);
    clearInterval(this.poll);
    this.timer = undefined;
    this.poll = undefined;
  }

  /** One sample at a time (rates count from the previous one): a request during a sample gets that one. */
  private sampleOnce(): Promise<Topology> {
    this.current ??= this.view.sample().finally(() => (this.current = undefined));
    return this.current;
  }

  /** A sample for the watchers. */
  private async sample(): Promise<void> {
    if (this.current || this.watchers.size === 0) return;
    try {
      this.lastVersion = this.registryVersion();
      const topology = await this.sampleOnce();
      this.last = `data: ${JSON.stringify(topology)}\n\n`;
      for (const watcher of this.watchers) if (watcher.writableLength < MAX_UNREAD_BYTES) watcher.write(this.last);
    } catch (error) {
      this.log.debug(`Dashboard: a sample failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async stop(): Promise<void> {
    this.idle();
    for (const watcher of this.watchers) watcher.end();
    this.watchers.clear();
    const server = this.server;
    this.server = undefined;
    await closeHttp(server);
  }
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

function plain(response: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...SECURITY_HEADERS, ...headers }).end(text);
}

function json(response: http.ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { "content-type": "application/json", ...SECURITY_HEADERS }).end(JSON.stringify(value));
}
