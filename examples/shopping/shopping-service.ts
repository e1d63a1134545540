// Shopping service (spec 04-readme-v2, decorator based approach): callbacks as plain functions.
import { callback, Global } from "daffi";
import { connection } from "../connection";

const shoppingList: string[] = [];

/** Return all items that are currently present in shopping list. */
export const getItems = callback(function getItems(): string[] {
  return shoppingList;
});

/** Add new item to shopping list. */
export const addItem = callback(function addItem(item: string): void {
  shoppingList.push(item);
});

/** Clear shopping list. */
export const clearItems = callback(function clearItems(): void {
  shoppingList.length = 0;
});

void Global.start({ initController: true, ...connection() }).then((g) => g.join());
