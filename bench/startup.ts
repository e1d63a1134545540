// Start-up time: Global.start to ready, for a controller+node in one process, or a node joining.
import { Global } from "../runtime";
import { connection } from "../examples/connection";

const started = performance.now();
void Global.start({ initController: process.argv[2] === "controller", logLevel: "silent", ...connection() }).then((g) => {
  console.log(JSON.stringify({ value: performance.now() - started, unit: "ms" }));
  process.exit(0);
  void g;
});
