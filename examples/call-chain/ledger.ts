// Call chain, last hop: the ledger. Its callback sees the call's context: who called, the request id
// the chain passed on, the deadline it inherited, and a signal that aborts when web's caller gives up.
import { setTimeout as wait } from "node:timers/promises";
import { callback, currentCall, Global } from "daffi";
import { connection } from "../connection";

let lastAbort = "none";

callback(async function record(item: string, slow: boolean): Promise<string> {
  const call = currentCall()!;
  const requestId = call.metadata["request-id"];
  if (slow) {
    try {
      // Passed on like fetch(url, { signal }): the wait ends when the call does.
      await wait(30_000, undefined, { signal: call.signal });
    } catch (error) {
      const reason = call.signal.reason as Error;
      lastAbort = `${requestId}: ${reason.name}`;
      throw error;
    }
  }
  const deadline = call.deadline === undefined ? "no deadline" : `a deadline ${call.deadline > Date.now() ? "ahead" : "passed"}`;
  return `${item} recorded for ${requestId} (called by ${call.caller}, ${deadline})`;
});

callback(function lastAborted(): string {
  return lastAbort;
});

void Global.start({ processName: "ledger", ...connection() }).then((g) => g.join());
