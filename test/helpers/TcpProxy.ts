// A TCP proxy between nodes and a controller that can go half-open (it stops forwarding but keeps every
// socket open), or lag: what the controller sends arrives `lagMs` later (a loaded network or controller).
import * as net from "node:net";

export class TcpProxy {
  private readonly server: net.Server;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  /** Connections opened before freeze() stop forwarding; later ones forward again. */
  private frozen = new Set<net.Socket>();

  private constructor(target: { host: string; port: number }, lagMs: number) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(target.port, target.host);
      const pair: [net.Socket, net.Socket] = [client, upstream];
      this.pairs.add(pair);
      const forward = (from: net.Socket, to: net.Socket, lag = 0) =>
        from.on("data", (chunk) => {
          if (this.frozen.has(from)) return;
          if (lag === 0) to.write(chunk);
          else setTimeout(() => to.writable && to.write(chunk), lag);
        });
      forward(client, upstream);
      forward(upstream, client, lagMs);
      // Once frozen, one side closing is not passed on: the other keeps a connection nobody answers on (half-open).
      const close = (from: net.Socket) => () => {
        if (this.frozen.has(from)) return from.destroy();
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on("error", close(client)).on("close", close(client));
      upstream.on("error", close(upstream)).on("close", close(upstream));
    });
  }

  static async start(target: { host: string; port: number }, options: { lagMs?: number } = {}): Promise<TcpProxy> {
    const proxy = new TcpProxy(target, options.lagMs ?? 0);
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Every connection open now goes half-open: bytes are read and dropped both ways, nothing is closed. */
  freeze(): void {
    for (const [client, upstream] of this.pairs) {
      this.frozen.add(client);
      this.frozen.add(upstream);
    }
  }

  async close(): Promise<void> {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise((resolve) => this.server.close(resolve));
  }
}
