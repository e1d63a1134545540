// Spec 2.7 stream from fetcher to callback, service: the callback runs once per streamed item.
import { Callback, Global } from "daffi";
import { connection } from "../connection";

export class StreamerService extends Callback {
  static autoInit = true;
  private readonly items: number[] = [];

  streamToService(item: number, processName: string): void {
    this.items.push(item);
    if (item % 25 === 0) console.log(`Received item: ${item} from process: ${processName}`);
  }

  getItems(): number[] {
    return this.items;
  }
}

void Global.start({ initController: true, ...connection() }).then((g) => g.join());
