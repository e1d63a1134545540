// A daffi process on NATS made by hand with NATS's client: it announces itself, beats, and sends
// CALL frames when a test says so, to reach states a real process reaches only by bad luck.
import { randomBytes } from "node:crypto";
import type { NatsConnection } from "@nats-io/transport-node";
import { decodeBatch, encodeBatch } from "../../runtime/wire/batchCodec";
import { decode, encode } from "../../runtime/wire/codec";
import { Kind, Mode } from "../../runtime/wire/Kind";

const id = () => randomBytes(8).toString("hex");

export class RawNatsPeer {
  readonly process = id();
  link = id();
  /** The answers it got: RESULT values or ERROR messages, by call id. */
  readonly answers = new Map<number, string>();
  private readonly links = new Map<string, string>();
  private beating?: NodeJS.Timeout;

  constructor(
    private readonly nc: NatsConnection,
    readonly name: string,
    private readonly heartbeatMs = 400,
  ) {
    nc.subscribe(`daffi.p.${name}.*`, {
      callback: (_error, msg) => {
        if (msg.data[1] !== 1) return;
        for (const frame of decodeBatch(Buffer.from(msg.data.subarray(18)))) {
          if (frame.kind === Kind.RESULT) this.answers.set(frame.callId, `RESULT ${JSON.stringify(decode(frame.payload))}`);
          if (frame.kind === Kind.ERROR) this.answers.set(frame.callId, `ERROR ${(decode(frame.payload) as { message: string }).message}`);
        }
      },
    });
    nc.subscribe("daffi.presence.*", {
      callback: (_error, msg) => {
        const announcement = decode(msg.data) as { name: string; link: string };
        this.links.set(announcement.name, announcement.link);
      },
    });
  }

  /** Waits for the announcement of `target` (asking for it). */
  async learn(target: string): Promise<void> {
    while (!this.links.has(target)) {
      this.nc.publish(`daffi.sync.${target}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  announce(): void {
    this.nc.publish(`daffi.presence.${this.name}`, encode({ name: this.name, process: this.process, link: this.link, seq: 0, heartbeatMs: this.heartbeatMs, callbacks: [], fingerprints: [] }));
  }

  /** Heartbeats on (four per heartbeat) or off. */
  beat(on: boolean): void {
    clearInterval(this.beating);
    if (on) this.beating = setInterval(() => this.nc.publish(`daffi.alive.${this.name}`, encode({ name: this.name, process: this.process, link: this.link, seq: 0 })), this.heartbeatMs / 4);
  }

  /** A new connection id, as after a reconnection. */
  newLink(): void {
    this.link = id();
  }

  call(target: string, callId: number, callback: string, args: unknown[]): void {
    const header = Buffer.concat([Buffer.from([0xda, 1]), Buffer.from(this.link, "hex"), Buffer.from(this.links.get(target)!, "hex")]);
    const frame = { kind: Kind.CALL, callId, name: callback, payload: encode(args), mode: Mode.FG, timeoutMs: 5000, target };
    this.nc.publish(`daffi.p.${target}.${this.name}`, Buffer.concat([header, encodeBatch({ frames: [frame] })]));
  }
}
