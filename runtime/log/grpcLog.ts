// grpc-js's own log lines go through daffi's log (its format, its level), not straight to stderr —
// unless the program asked grpc-js for its own (GRPC_TRACE, GRPC_VERBOSITY, GRPC_NODE_VERBOSITY) or gave it a logger.
import * as grpc from "@grpc/grpc-js";
// Not exported by grpc-js's index (the version is pinned): whether the program gave grpc-js a logger of its own.
import { getLogger } from "@grpc/grpc-js/build/src/logging";
import { format } from "node:util";
import type { Logger } from "./Logger";

/** The loggers of the running Globals, the most recent last: grpc-js logs through it. */
const loggers: Logger[] = [];
let decided: boolean | undefined;

/** Whether daffi may route grpc-js's logs: not when the program set grpc-js up itself. */
function mayRoute(): boolean {
  if (decided === undefined) {
    const { GRPC_TRACE, GRPC_VERBOSITY, GRPC_NODE_TRACE, GRPC_NODE_VERBOSITY } = process.env;
    const asked = [GRPC_TRACE, GRPC_VERBOSITY, GRPC_NODE_TRACE, GRPC_NODE_VERBOSITY].some((value) => value !== undefined && value !== "");
    decided = !asked && isGrpcDefault(getLogger());
    if (decided) install();
  }
  return decided;
}

/** grpc-js's own default logger (console.error with an "E "/"I "/"D " prefix), not one the program gave it. */
function isGrpcDefault(logger: Partial<Console>): boolean {
  const keys = Object.keys(logger).sort().join(",");
  return keys === "debug,error,info" && String(logger.error).includes("console.error('E '");
}

function install(): void {
  const current = () => loggers[loggers.length - 1];
  const line = (args: unknown[]) => `grpc-js: ${format(...args)}`;
  grpc.setLogger({
    // A failed bind is said by daffi itself (ConfigurationError naming the address): grpc-js's line of it only at debug.
    error: (...args: unknown[]) => (/No address added out of total/.test(format(...args)) ? current()?.debug(line(args)) : current()?.error(line(args))),
    info: (...args: unknown[]) => current()?.info(line(args)),
    debug: (...args: unknown[]) => current()?.debug(line(args)),
  });
  grpc.setLogVerbosity(grpc.logVerbosity.ERROR);
}

/** A Global starts: grpc-js logs through its logger while it is the most recent running one. Returns the release. */
export function routeGrpcLogs(log: Logger): () => void {
  if (!mayRoute()) return () => undefined;
  loggers.push(log);
  return () => {
    const index = loggers.lastIndexOf(log);
    if (index >= 0) loggers.splice(index, 1);
  };
}
