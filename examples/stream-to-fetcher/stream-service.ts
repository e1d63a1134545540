// Spec 2.8 stream from callback to fetcher, service: a generator callback.
import { Callback, Global } from "daffi";
import { connection } from "../connection";

export interface Streamer {
  generateStream(end: number): Generator<number>;
}

export class StreamerService extends Callback implements Streamer {
  static autoInit = true;

  *generateStream(end: number): Generator<number> {
    for (let i = 0; i < end; i++) yield i;
  }
}

void Global.start({ initController: true, ...connection() }).then((g) => g.join());
