// Spec 2.9 function transfer, client: runs a function of its own on the executor.
import { Global } from "daffi";
import { connection } from "../connection";

/**
 * Return pid of remote process. The function's source is what travels: it must not use variables
 * of this module, and it requires what it needs itself.
 */
async function funcToTransfer(): Promise<number> {
  const os = require("node:os") as typeof import("node:os");
  return os.hostname() ? process.pid : -1;
}

async function main(): Promise<void> {
  const remoteProc = "remote executor";
  const g = await Global.start(connection());
  await g.waitProcess(remoteProc);
  const remotePid = await g.transferAndCall(remoteProc, funcToTransfer);
  console.log(`Pid of remote process: ${remotePid}`);
  console.log(`sum there: ${await g.transferAndCall(remoteProc, (a: number, b: number) => a + b, 2, 3)}`);
  await g.stop();
}

void main();
