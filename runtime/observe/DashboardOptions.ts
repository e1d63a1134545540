// The `dashboard` option of Global (README: Dashboard), checked.
import { ConfigurationError } from "../errors/DaffiError";
import { passed } from "../errors/passed";

/** `dashboard`: a live page of the system's topology, served by this process. */
export interface DashboardOptions {
  /** The port of the page (0: a free one, see `g.dashboardPort`). */
  port: number;
  /** The interface it binds (default 127.0.0.1: loopback only). */
  host?: string | undefined;
  /** The secret the page asks for; required when this process's controller enforces `auth` or its node has a `token`. */
  token?: string | undefined;
}

export function checkDashboardOptions(value: unknown): DashboardOptions | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ConfigurationError(`dashboard must be an object { port, host?, token? }, got ${passed(value)}`);
  const { port, host, token, ...rest } = value as DashboardOptions;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new ConfigurationError(`dashboard has no option '${unknown[0]}' (options: port, host, token)`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigurationError(`dashboard.port must be an integer from 0 to 65535, got ${passed(port)}`);
  if (host !== undefined && (typeof host !== "string" || host.length === 0)) throw new ConfigurationError(`dashboard.host must be a non-empty string, got ${passed(host)}`);
  if (token !== undefined && (typeof token !== "string" || token.length < 8)) throw new ConfigurationError("dashboard.token must be a string of at least 8 characters (is its environment variable set?)");
  return { port, host, token };
}
