// Direct links, service: a node serving `price`. Its callers reach it on a link of their own.
import { callback, Global } from "daffi";
import { connection } from "../connection";

const prices: Record<string, number> = { apple: 0.5, bread: 2.2, milk: 1.1 };

callback(function price(item: string): number {
  const value = prices[item];
  if (value === undefined) throw new RangeError(`no price for '${item}'`);
  return value;
});

void Global.start({ processName: "pricing-service", ...connection() }).then((g) => g.join());
