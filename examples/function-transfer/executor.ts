// Spec 2.9 function transfer, executor: a named process that accepts transferred functions.
import { Global } from "daffi";
import { connection } from "../connection";

const PROCESS_NAME = "remote executor";

void Global.start({ processName: PROCESS_NAME, initController: true, allowTransfer: true, ...connection() }).then((g) => g.join());
