// Spec 1.1 basic example, shopping_service (class based approach).
import { Callback, Global } from "daffi";
import { connection } from "../connection";
import type { Shopping } from "./shopping";

export class ShoppingService extends Callback implements Shopping {
  static autoInit = true; // class is automatically initialized, eliminating the need to manually create an object.
  private readonly shoppingList: string[] = [];

  /** Return all items that are currently present in shopping list. */
  getItems(): string[] {
    return this.shoppingList;
  }

  /** Add new item to shopping list. */
  addItem(item: string): void {
    this.shoppingList.push(item);
  }

  /** Clear shopping list. */
  clearItems(): void {
    this.shoppingList.length = 0;
  }
}

void Global.start({ initController: true, ...connection() }).then((g) => g.join());
