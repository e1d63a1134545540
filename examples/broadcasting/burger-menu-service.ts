// Spec 2.14 broadcasting: the burger menu (this process also runs the controller).
import { Callback, Global } from "daffi";
import { connection } from "../connection";

export class BurgerMenu extends Callback {
  static autoInit = true;

  getMenu(): string[] {
    return ["The IceBurg", "The Grill Thrill", "Burger Mania", "Chicha Burger"];
  }
}

void Global.start({ initController: true, processName: "burger menu", ...connection() }).then((g) => g.join());
