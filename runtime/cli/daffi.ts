#!/usr/bin/env node
// `daffi controller [options]`: a stand-alone controller until SIGINT/SIGTERM.
import { parseArgs } from "node:util";
import { loadAuthFile } from "../auth/loadAuthFile";
import { Global } from "../global/Global";

const usage = `usage: daffi controller [--host H] [--port P] [--unix-sock-path DIR] [--process-name NAME]
                        [--ssl-certificate FILE --ssl-key FILE [--ssl-client-ca FILE]]
                        [--auth FILE] [--heartbeat SECONDS] [--max-message-size BYTES]
                        [--max-queued-bytes BYTES] [--quiet]

Runs a stand-alone controller until SIGINT or SIGTERM.
With neither --host nor --port it listens on the UNIX socket <DIR>/.sock (default <tmp>/daffi/.sock).
--auth FILE: JSON { "identities": { NAME: { "token": "env:VAR", "processNames": [...], "serve": [...], "call": [...] } } }.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
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
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help || positionals[0] !== "controller" || positionals.length !== 1) {
    process.stdout.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  const g = new Global({
    initController: true,
    initNode: false,
    host: values.host,
    port,
    unixSockPath: values["unix-sock-path"],
    processName: values["process-name"],
    sslCertificate: values["ssl-certificate"],
    sslKey: values["ssl-key"],
    sslClientCa: values["ssl-client-ca"],
    auth: values.auth === undefined ? undefined : loadAuthFile(values.auth),
    heartbeat: values.heartbeat === undefined ? undefined : Number(values.heartbeat),
    maxMessageSize: values["max-message-size"] === undefined ? undefined : Number(values["max-message-size"]),
    maxQueuedBytes: values["max-queued-bytes"] === undefined ? undefined : Number(values["max-queued-bytes"]),
    logLevel: values.quiet ? "silent" : undefined,
  });
  // Handlers go in before the start completes, so that a signal during start still stops cleanly.
  const stop = () => void g.stop();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await g.join();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`daffi: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
