// The controller's `auth` option: which identities may connect, under which process names, serving and calling what.
import { ConfigurationError } from "../errors/DaffiError";

export interface IdentityOptions {
  /** Secret the node sends in HELLO (its `token` option). */
  token?: string | undefined;
  /** With mutual TLS: the client certificate's subject ("CN=ops", "CN=ops,O=acme") or one of its SANs ("DNS:ops.internal", "URI:spiffe://…"). */
  tlsSubject?: string | undefined;
  /** Process names it may claim (`*` globs). */
  processNames: string[];
  /** Callbacks it may register (`*` globs). */
  serve: string[];
  /** Callbacks it may call, under any modifier (`*` globs). */
  call: string[];
  /** May it use transferAndCall (besides the target's own allowTransfer)? Default false. */
  transfer?: boolean | undefined;
}

export interface AuthOptions {
  identities: Record<string, IdentityOptions>;
}

const identityKeys = new Set(["token", "tlsSubject", "processNames", "serve", "call", "transfer"]);

function patterns(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string" && item.length > 0)) {
    throw new ConfigurationError(`${where} must be a list of names or "*" patterns`);
  }
  return value as string[];
}

/** Checks the option's shape; every mistake is a ConfigurationError naming the identity and the field. */
export function checkAuthOptions(auth: unknown): AuthOptions {
  if (typeof auth !== "object" || auth === null || Array.isArray(auth)) throw new ConfigurationError("auth must be an object { identities: { … } }");
  const unknown = Object.keys(auth).filter((key) => key !== "identities");
  if (unknown.length > 0) throw new ConfigurationError(`auth has no option '${unknown[0]}' (options: identities)`);
  const identities = (auth as { identities?: unknown }).identities;
  if (typeof identities !== "object" || identities === null || Array.isArray(identities) || Object.keys(identities).length === 0) {
    throw new ConfigurationError("auth.identities must be an object with at least one identity");
  }
  const tokens = new Map<string, string>();
  for (const [name, identity] of Object.entries(identities as Record<string, unknown>)) {
    const where = `auth identity '${name}'`;
    if (typeof identity !== "object" || identity === null) throw new ConfigurationError(`${where} must be an object`);
    for (const key of Object.keys(identity)) {
      if (!identityKeys.has(key)) throw new ConfigurationError(`${where} has no field '${key}' (fields: ${[...identityKeys].join(", ")})`);
    }
    const { token, tlsSubject, processNames, serve, call, transfer } = identity as Partial<IdentityOptions>;
    if (token !== undefined && (typeof token !== "string" || token.length === 0)) throw new ConfigurationError(`${where}: token must be a non-empty string`);
    if (tlsSubject !== undefined && (typeof tlsSubject !== "string" || tlsSubject.length === 0)) throw new ConfigurationError(`${where}: tlsSubject must be a non-empty string`);
    if (token === undefined && tlsSubject === undefined) {
      throw new ConfigurationError(`${where} has neither token nor tlsSubject, so no process can prove it (is its token's environment variable set?)`);
    }
    if (token !== undefined) {
      const other = tokens.get(token);
      if (other !== undefined) throw new ConfigurationError(`auth identities '${other}' and '${name}' have the same token`);
      tokens.set(token, name);
    }
    patterns(processNames, `${where}: processNames`);
    patterns(serve, `${where}: serve`);
    patterns(call, `${where}: call`);
    if (transfer !== undefined && typeof transfer !== "boolean") throw new ConfigurationError(`${where}: transfer must be a boolean`);
  }
  return auth as AuthOptions;
}
