// Spec 1.1 basic example, shopper (class based approach): proxies of the shared interface, and a stream.
import { alias, args, type Args, Fetcher, Global } from "daffi";
import { connection } from "../connection";
import type { Shopping } from "./shopping";

class Shopper extends Fetcher<Shopping> {
  /** Alias for `addItem`: streams items to the service, which runs addItem once per item, in order. */
  @alias("addItem")
  *addManyItems(...items: string[]): Generator<Args> {
    for (const item of items) yield args(item);
  }
}

async function main(): Promise<void> {
  const g = await Global.start(connection());
  const shopper = new Shopper();

  console.log(await shopper.getItems());
  await shopper.addItem("orange");
  console.log(await shopper.getItems());
  await shopper.addManyItems("bread", "cheese");
  console.log(await shopper.getItems());
  await shopper.clearItems();
  console.log(await shopper.getItems());

  await g.stop();
}

void main();
