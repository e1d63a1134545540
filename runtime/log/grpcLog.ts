// grpc-js's own log lines go through daffi's log (its format, its level), not straight to stderr.
import * as grpc from "@grpc/grpc-js";
import { format } from "node:util";
import type { Logger } from "./Logger";

let current: Logger | undefined;
let installed = false;

/** From now on grpc-js logs through `log` (the most recent Global's): warnings at its level, silent when it is. */
export function routeGrpcLogs(log: Logger): void {
  current = log;
  if (installed) return;
  installed = true;
  const line = (args: unknown[]) => `grpc-js: ${format(...args)}`;
  grpc.setLogger({
    // A failed bind is said by daffi itself (ConfigurationError naming the address): grpc-js's line of it only at debug.
    error: (...args: unknown[]) => (/No address added out of total/.test(format(...args)) ? current?.debug(line(args)) : current?.warn(line(args))),
    info: (...args: unknown[]) => current?.info(line(args)),
    debug: (...args: unknown[]) => current?.debug(line(args)),
  });
  // Only its errors, unless the user asked grpc-js for more (GRPC_VERBOSITY).
  if (!process.env.GRPC_VERBOSITY) grpc.setLogVerbosity(grpc.logVerbosity.ERROR);
}
