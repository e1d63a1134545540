// `daffi controller [options]`: a stand-alone controller until SIGINT/SIGTERM.
import { loadAuthFile } from "../auth/loadAuthFile";
import { Global } from "../global/Global";
import { commandLine, seconds, wholeNumber } from "./parseCommandLine";
import { UsageError } from "./UsageError";

export const controllerUsage = `usage: daffi controller [--host H] [--port P] [--unix-sock-path DIR] [--process-name NAME]
                        [--ssl-certificate FILE --ssl-key FILE [--ssl-client-ca FILE]]
                        [--auth FILE] [--heartbeat SECONDS] [--max-message-size BYTES]
                        [--max-queued-bytes BYTES] [--no-direct] [--log-format text|json] [--quiet]
                        [--metrics-port P [--metrics-host H]] [--dashboard-port P [--dashboard-host H]]

Runs a stand-alone controller until SIGINT or SIGTERM.
With neither --host nor --port it listens on the UNIX socket <DIR>/.sock (default <tmp>/daffi/.sock).
--metrics-port P: serve Prometheus metrics at http://127.0.0.1:P/metrics (0: a free port, logged); --metrics-host to bind another interface.
--dashboard-port P: a live page of the topology at http://127.0.0.1:P/ (this process then runs a node of its own to read the
  others' figures); with --auth the page asks for $DAFFI_DASHBOARD_TOKEN (required then).
--log-format json: one JSON object per log line (time, level, component, process, message, fields).
--no-direct: no tickets for direct links, so every call between nodes goes through this controller.
--auth FILE: JSON { "identities": { NAME: { "token": "env:VAR", "processNames": [...], "serve": [...], "call": [...] } } }.`;

const options = {
  host: { type: "string" },
  port: { type: "string" },
  "unix-sock-path": { type: "string" },
  "process-name": { type: "string" },
  "ssl-certificate": { type: "string" },
  "ssl-key": { type: "string" },
  "ssl-client-ca": { type: "string" },
  auth: { type: "string" },
  heartbeat: { type: "string" },
  "max-message-size": { type: "string" },
  "max-queued-bytes": { type: "string" },
  "no-direct": { type: "boolean", default: false },
  "log-format": { type: "string" },
  "metrics-port": { type: "string" },
  "metrics-host": { type: "string" },
  "dashboard-port": { type: "string" },
  "dashboard-host": { type: "string" },
  quiet: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** Resolves with the exit code once the controller stopped. */
export async function controllerCommand(argv: string[]): Promise<number> {
  const line = commandLine("controller", argv, options, controllerUsage);
  if (!line) return 0; // --help
  const { values } = line;
  const text = (flag: string) => values[flag] as string | undefined;
  const number = (flag: string, min: number, max: number) => wholeNumber("controller", flag, text(flag), min, max, controllerUsage);
  const dashboard = text("dashboard-port") === undefined ? undefined : { port: number("dashboard-port", 0, 65535)!, host: text("dashboard-host"), token: process.env.DAFFI_DASHBOARD_TOKEN || undefined };
  if (text("metrics-host") !== undefined && text("metrics-port") === undefined) throw new UsageError("daffi controller: --metrics-host needs --metrics-port", controllerUsage);
  if (text("dashboard-host") !== undefined && !dashboard) throw new UsageError("daffi controller: --dashboard-host needs --dashboard-port", controllerUsage);
  const started = Global.start({
    initController: true,
    // The dashboard reads the other processes' figures with calls: a node of this process makes them.
    initNode: dashboard !== undefined,
    dashboard,
    host: text("host"),
    port: number("port", 0, 65535),
    unixSockPath: text("unix-sock-path"),
    processName: text("process-name"),
    sslCertificate: text("ssl-certificate"),
    sslKey: text("ssl-key"),
    sslClientCa: text("ssl-client-ca"),
    auth: text("auth") === undefined ? undefined : loadAuthFile(text("auth")!),
    heartbeat: seconds("controller", "heartbeat", text("heartbeat"), controllerUsage),
    maxMessageSize: number("max-message-size", 1024, Number.MAX_SAFE_INTEGER),
    maxQueuedBytes: number("max-queued-bytes", 1024, Number.MAX_SAFE_INTEGER),
    logLevel: values.quiet === true ? "silent" : undefined,
    logFormat: logFormatOf(text("log-format")),
    metrics: text("metrics-port") === undefined ? undefined : { port: number("metrics-port", 0, 65535), host: text("metrics-host") },
    direct: values["no-direct"] === true ? false : undefined,
  });
  // Handlers go in before the start completes, so that a signal during start still stops cleanly.
  const stop = () => void started.then((g) => g.stop(), () => undefined);
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  // A failed start is thrown once, here (and said once, by main).
  await (await started).join();
  return 0;
}

function logFormatOf(value: string | undefined): "text" | "json" | undefined {
  if (value === undefined || value === "text" || value === "json") return value;
  throw new UsageError(`daffi controller: --log-format must be text or json, got ${JSON.stringify(value)}`, controllerUsage);
}
