// Matching a client certificate against an identity's `tlsSubject`: subject attributes ("CN=ops,O=acme") or one SAN ("DNS:ops.internal").
import type { PeerCertificate } from "node:tls";

const SAN_PREFIXES = ["DNS:", "URI:", "email:", "IP Address:"];

/** Every `key=value` of the pattern is in the subject; a SAN pattern equals one of the certificate's SANs. */
export function matchesSubject(certificate: PeerCertificate, pattern: string): boolean {
  if (SAN_PREFIXES.some((prefix) => pattern.startsWith(prefix))) {
    const names = (certificate.subjectaltname ?? "").split(",").map((name) => name.trim());
    return names.includes(pattern);
  }
  const subject = (certificate.subject ?? {}) as unknown as Record<string, string | string[] | undefined>;
  return pattern.split(",").every((pair) => {
    const at = pair.indexOf("=");
    if (at <= 0) return false;
    const key = pair.slice(0, at).trim();
    const value = Object.hasOwn(subject, key) ? subject[key] : undefined;
    const wanted = pair.slice(at + 1).trim();
    return Array.isArray(value) ? value.includes(wanted) : value === wanted;
  });
}
