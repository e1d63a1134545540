// Where the examples connect. As in the spec: TCP localhost:8888. The tests point them elsewhere
// with DAFFI_HOST / DAFFI_PORT, or DAFFI_UNIX_SOCK_PATH for a UNIX socket.
import type { GlobalOptions } from "daffi";

export function connection(defaults: { host?: string; port?: number } = { host: "localhost", port: 8888 }): Pick<GlobalOptions, "host" | "port" | "unixSockPath"> {
  const { DAFFI_HOST, DAFFI_PORT, DAFFI_UNIX_SOCK_PATH } = process.env;
  if (DAFFI_UNIX_SOCK_PATH) return { unixSockPath: DAFFI_UNIX_SOCK_PATH };
  if (DAFFI_HOST || DAFFI_PORT) return { host: DAFFI_HOST ?? "localhost", port: DAFFI_PORT ? Number(DAFFI_PORT) : undefined };
  return defaults;
}

export const sleep = (seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000));
