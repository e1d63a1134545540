// Call chain, second hop: orders places an order by charging it through billing.
import { callback, currentCall, Global } from "daffi";
import { connection } from "../connection";

let g: Global;

callback(async function placeOrder(item: string, slow: boolean): Promise<string> {
  const requestId = currentCall()!.metadata["request-id"] ?? "unknown";
  return (await g.call.charge(item, slow).fg({ metadata: { "request-id": requestId } })) as string;
});

void Global.start({ processName: "orders", ...connection() }).then((started) => {
  g = started;
  return g.join();
});
