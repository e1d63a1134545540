// The spec's common setup for the bench: the controller shares its process with the executing node.
import { callback, Global } from "../runtime";
import { connection } from "../examples/connection";

callback(function echo(value: unknown): unknown {
  return value;
});

void Global.start({ initController: true, processName: "colocated", logLevel: "silent", ...connection() }).then(() => console.log("READY"));
