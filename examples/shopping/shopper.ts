// Shopper (spec 04-readme-v2): calls the shopping service's callbacks by name.
import { Global } from "daffi";
import { connection } from "../connection";

async function main(): Promise<void> {
  const g = await Global.start(connection());

  console.log("current shoping list items:");
  let items: string[] = await g.call.getItems();
  console.log(items);

  console.log("adding 'orange' to shopping list and getting updated list from remote");
  await g.call.addItem("orange");
  items = await g.call.getItems();
  console.log(items);

  console.log("adding 'milk' to shopping list and getting updated list from remote");
  await g.call.addItem("milk");
  items = await g.call.getItems();
  console.log(items);

  console.log("cleaning shopping list and geting updated list from remote");
  await g.call.clearItems();
  items = await g.call.getItems();
  console.log(items);

  await g.stop();
}

void main();
