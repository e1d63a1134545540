// Which requests daffi's HTTP servers (metrics, dashboard) answer, by their Host header: a page of
// another site that reaches the port through DNS rebinding sends its own name there.

const LOOPBACK_NAMES = /^(localhost|[^:]+\.localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/i;
const IP_LITERAL = /^(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[[0-9a-f:.]+\])$/i;

/** A bind address that only this machine reaches. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

/** The host part of a Host header (no port), lower case; "" when absent or malformed. */
function hostOf(header: string | undefined): string {
  if (!header) return "";
  const match = /^(\[[^\]]*\]|[^:]*)(:\d+)?$/.exec(header.trim());
  return match ? match[1]!.toLowerCase() : "";
}

/**
 * Whether a request with this Host header may be answered by a server bound to `bound`. On loopback:
 * only when addressed as loopback. Elsewhere, without a token to prove who asks (`named`: names are
 * allowed): only when addressed by an IP address, loopback, or the bound name itself.
 */
export function hostAllowed(header: string | undefined, bound: string, named: boolean): boolean {
  const host = hostOf(header);
  if (host === "") return false;
  if (LOOPBACK_NAMES.test(host)) return true;
  if (isLoopback(bound)) return false;
  return named || IP_LITERAL.test(host) || host === bound.toLowerCase();
}
