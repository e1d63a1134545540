// Shopper (spec 04-readme-v2, decorator based approach): function-form fetchers, body-less proxies of the service's callbacks.
import { fetcher, Global } from "daffi";
import { connection } from "../connection";

/** Return all items that are currently present in shopping list. */
const getItems = fetcher<() => string[]>("getItems");
/** Add new item to shopping list. */
const addItem = fetcher<(item: string) => void>("addItem");
/** Clear shopping list. */
const clearItems = fetcher<() => void>("clearItems");

async function main(): Promise<void> {
  const g = await Global.start(connection());

  console.log("current shoping list items:");
  let items = await getItems();
  console.log(items);

  console.log("adding 'orange' to shopping list and getting updated list from remote");
  await addItem("orange");
  items = await getItems();
  console.log(items);

  console.log("adding 'milk' to shopping list and getting updated list from remote");
  await addItem("milk");
  items = await getItems();
  console.log(items);

  console.log("cleaning shopping list and geting updated list from remote");
  await clearItems();
  items = await getItems();
  console.log(items);

  await g.stop();
}

void main();
