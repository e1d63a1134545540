// Spec 2.14 broadcasting: the hot dog menu, the same callback name in another process.
import { Callback, Global } from "daffi";
import { connection } from "../connection";

export class HotDogMenu extends Callback {
  static autoInit = true;

  getMenu(): string[] {
    return ["Wiener", "Weenie", "Coney", "Red Hot"];
  }
}

void Global.start({ processName: "hotdog menu", ...connection() }).then((g) => g.join());
