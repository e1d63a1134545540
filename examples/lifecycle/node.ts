// Spec 2.12 lifecycle events: onInit once; onNodeConnect / onNodeDisconnect on every (re)connection and loss.
import { callback, Global } from "daffi";
import { connection } from "../connection";

export const ping = callback(function ping(): string {
  return "pong";
});

void Global.start({
  processName: "lifecycle node",
  ...connection(),
  onInit: (g, processName) => console.log(`init ${processName} (controller here: ${g.isController})`),
  onNodeConnect: (_g, processName) => console.log(`connected ${processName}`),
  onNodeDisconnect: (_g, processName) => console.log(`disconnected ${processName}`),
}).then((g) => g.join());
