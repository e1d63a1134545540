// A contract's fingerprint: the same text gives the same fingerprint on every side.
import { createHash } from "node:crypto";

export function fingerprintOf(text: string): string {
  return createHash("sha256").update(text).digest("base64url").slice(0, 22);
}
