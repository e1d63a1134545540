// The HTTP servers daffi runs beside its own (metrics, dashboard): one way to bind and say why a bind
// failed, one way to close (open connections too: a scraper's keep-alive, a page's event stream).
import * as http from "node:http";
import { ConfigurationError } from "../errors/DaffiError";

/** Binds `handler` on host:port (0: a free port); a port in use or an address that is not here is a ConfigurationError naming `who`. */
export async function listenHttp(who: string, host: string, port: number, handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(new ConfigurationError(error.code === "EADDRINUSE" ? `${who}: port ${port} on ${host} is in use: give another, or 0 for a free one` : `${who}: cannot listen on ${host}:${port}: ${error.message}`)),
    );
    server.listen(port, host, resolve);
  });
  return { server, port: (server.address() as { port: number }).port };
}

/** Closes the server and every connection still open on it. */
export async function closeHttp(server: http.Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
