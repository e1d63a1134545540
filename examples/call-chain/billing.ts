// Call chain, third hop: billing charges by calling the ledger. The nested call inherits the time
// left of the call it is made in, and is cancelled with it; metadata is passed on by hand.
import { callback, currentCall, Global } from "daffi";
import { connection } from "../connection";

let g: Global;

callback(async function charge(item: string, slow: boolean): Promise<string> {
  const requestId = currentCall()!.metadata["request-id"] ?? "unknown";
  return (await g.call.record(item, slow).fg({ metadata: { "request-id": requestId } })) as string;
});

void Global.start({ processName: "billing", ...connection() }).then((started) => {
  g = started;
  return g.join();
});
