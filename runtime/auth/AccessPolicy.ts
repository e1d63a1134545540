// The one place that decides who may connect and as whom: every link (the controller's streams today) asks it at HELLO.
import { createHash, timingSafeEqual } from "node:crypto";
import type { PeerCertificate } from "node:tls";
import { PermissionDeniedError } from "../errors/DaffiError";
import { shown } from "../log/shown";
import type { AuthOptions, IdentityOptions } from "./AuthOptions";
import { Identity } from "./Identity";
import { matchesSubject } from "./tlsSubject";

/** What a connecting process brings to prove who it is. */
export interface Credentials {
  /** The `token` of its HELLO. */
  token?: string;
  /** Its client certificate, with mutual TLS. */
  certificate?: PeerCertificate;
  /** It is the node of the controller's own process (an in-memory link). */
  local: boolean;
}

interface Known {
  identity: Identity;
  options: IdentityOptions;
  /** SHA-256 of the token: digests of equal length compare in constant time. */
  digest?: Buffer;
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

export class AccessPolicy {
  private readonly known: Known[];

  /** Without `auth` every process is admitted with every permission, as daffi always did. */
  constructor(auth?: AuthOptions) {
    this.known = Object.entries(auth?.identities ?? {}).map(([name, options]) => ({
      identity: new Identity(name, options),
      options,
      digest: options.token === undefined ? undefined : digest(options.token),
    }));
  }

  get enforced(): boolean {
    return this.known.length > 0;
  }

  /** The identity a HELLO proves, allowed to use `processName`; PermissionDeniedError otherwise. */
  admit(processName: string, credentials: Credentials): Identity {
    if (!this.enforced) return Identity.unrestricted("anyone");
    const identity = this.identify(credentials);
    if (!identity.mayClaim(processName)) {
      throw new PermissionDeniedError(`identity '${identity.name}' may not use the process name '${shown(processName)}'`);
    }
    return identity;
  }

  private identify({ token, certificate, local }: Credentials): Identity {
    if (typeof token === "string" && token.length > 0) {
      const given = digest(token);
      let match: Known | undefined;
      // Every identity is compared, whatever matched: the time taken says nothing about the tokens.
      for (const known of this.known) if (known.digest && timingSafeEqual(known.digest, given) && !match) match = known;
      if (!match) throw new PermissionDeniedError("the token matches no identity of this controller");
      if (match.options.tlsSubject !== undefined && !(certificate && matchesSubject(certificate, match.options.tlsSubject))) {
        throw new PermissionDeniedError(`identity '${match.identity.name}' also needs a client certificate for '${match.options.tlsSubject}'`);
      }
      return match.identity;
    }
    if (certificate) {
      const match = this.known.find((known) => known.digest === undefined && matchesSubject(certificate, known.options.tlsSubject!));
      if (match) return match.identity;
      throw new PermissionDeniedError("the client certificate matches no identity of this controller");
    }
    // The controller's own process runs the controller's code: nothing to prove.
    if (local) return Identity.unrestricted("controller");
    throw new PermissionDeniedError("this controller admits only known identities: start the node with a token (or a client certificate with mutual TLS)");
  }
}
