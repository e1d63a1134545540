// Spec 2.14 broadcasting: one call, every menu, keyed by process name.
import { BROADCAST, type BroadcastResult, Fetcher, Global } from "daffi";
import { connection } from "../connection";

class MenuFetcher extends Fetcher {
  static execModifier = BROADCAST({ returnResult: true });
  declare getMenu: () => Promise<BroadcastResult<string[]>>;
}

async function main(): Promise<void> {
  const menuFetcher = new MenuFetcher();
  const g = await Global.start(connection());
  // Make sure all processes started
  for (const process of ["burger menu", "hotdog menu"]) await g.waitProcess(process);
  const menus = await menuFetcher.getMenu();
  console.log(JSON.stringify(menus));
  await g.stop();
}

void main();
