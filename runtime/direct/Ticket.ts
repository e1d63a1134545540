// What lets two nodes trust each other on a direct link without the controller on the path: the
// controller signs, for each node it admits, a short-lived statement of who it is and what it may
// call (a ticket); each side of a link shows its ticket and proves, with its own key, that it holds it.
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, sign, verify, X509Certificate } from "node:crypto";
import { decode, encode } from "../wire/codec";

/** How long a ticket is valid; the controller sends a fresh one at half of it. */
export const TICKET_TTL_MS = 10 * 60 * 1000;
/** Larger tickets or proofs are not looked at (an identity's patterns are bounded by the controller's auth file, not the wire). */
export const MAX_TICKET_BYTES = 64 * 1024;

/** What the controller states about one admitted node. */
export interface TicketBody {
  /** The process name it was admitted under. */
  process: string;
  /** The identity it proved (its name, for refusals), and that identity's rules for calling. */
  identity: string;
  call: string[];
  transfer: boolean;
  /** The controller enforces `auth`: the executor then also serves only what the controller registered. */
  enforced: boolean;
  /** The node's public key (SPKI DER): the key its proofs are checked with. */
  key: Uint8Array;
  /** Epoch ms after which the ticket is not taken for a new link. */
  expires: number;
}

/** An Ed25519 key pair: the controller's (it signs tickets) or a node's (it signs proofs). */
export class SigningKey {
  private readonly privateKey: KeyObject;
  /** SPKI DER of the public key, as it travels. */
  readonly publicKey: Buffer;

  constructor() {
    const pair = generateKeyPairSync("ed25519");
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey.export({ type: "spki", format: "der" });
  }

  sign(data: Uint8Array): Buffer {
    return sign(null, data, this.privateKey);
  }
}

/** A public key as received (SPKI DER); undefined when the bytes are not an Ed25519 key. */
export function publicKeyOf(bytes: unknown): KeyObject | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0 || bytes.length > 256) return undefined;
  try {
    const key = createPublicKey({ key: Buffer.from(bytes), format: "der", type: "spki" });
    return key.asymmetricKeyType === "ed25519" ? key : undefined;
  } catch {
    return undefined;
  }
}

/** A short name of a public key, as the registry lists it: who holds which key now. */
export function keyFingerprint(key: Uint8Array): string {
  return createHash("sha256").update(key).digest("base64url").slice(0, 22);
}

/** The controller's side: signs tickets. */
export class TicketIssuer {
  private readonly key = new SigningKey();

  get publicKey(): Buffer {
    return this.key.publicKey;
  }

  issue(body: Omit<TicketBody, "expires">, now = Date.now()): Uint8Array {
    const signed = encode({ ...body, expires: now + TICKET_TTL_MS });
    return encode([signed, this.key.sign(signed)]);
  }
}

/** The ticket's statement when `controllerKey` signed it and it has not expired; else why not. */
export function readTicket(ticket: unknown, controllerKey: KeyObject, now = Date.now()): TicketBody | string {
  if (!(ticket instanceof Uint8Array) || ticket.length > MAX_TICKET_BYTES) return "no ticket";
  let signed: unknown;
  let signature: unknown;
  try {
    [signed, signature] = decode<[unknown, unknown]>(ticket);
  } catch {
    return "a ticket that is not CBOR";
  }
  if (!(signed instanceof Uint8Array) || !(signature instanceof Uint8Array)) return "a malformed ticket";
  if (!verify(null, signed, controllerKey, signature)) return "a ticket the controller did not sign";
  const body = decode<TicketBody>(signed);
  const valid =
    typeof body?.process === "string" &&
    typeof body.identity === "string" &&
    Array.isArray(body.call) &&
    body.call.every((pattern) => typeof pattern === "string") &&
    typeof body.transfer === "boolean" &&
    typeof body.enforced === "boolean" &&
    body.key instanceof Uint8Array &&
    typeof body.expires === "number";
  if (!valid) return "a malformed ticket";
  if (body.expires < now) return "an expired ticket";
  return body;
}

/**
 * What a proof signs: who proves, to whom, the other side's fresh challenge (so a proof seen once is
 * worth nothing later, or elsewhere), and the certificate the prover shows on the TLS link ("" without
 * TLS): a proof relayed by someone else's TLS session does not match.
 */
function proofText(role: "caller" | "executor", from: string, to: string, nonce: Uint8Array, certificate: string): Buffer {
  return encode(["daffi-direct-1", role, from, to, nonce, certificate]);
}

/** A fresh random challenge. */
export function newNonce(): Buffer {
  return randomBytes(16);
}

/** Signs the other side's challenge: `from` (this node) answers `to`. */
export function prove(key: SigningKey, role: "caller" | "executor", from: string, to: string, nonce: Uint8Array, certificate = ""): Buffer {
  return key.sign(proofText(role, from, to, nonce, certificate));
}

/** The proof answers our `nonce`, signed by the key of the ticket's process, addressed to `to` (this node). */
export function checkProof(signature: unknown, body: TicketBody, role: "caller" | "executor", to: string, nonce: Uint8Array, certificate = ""): string | undefined {
  if (!(signature instanceof Uint8Array) || signature.length > 256) return "a malformed proof";
  const key = publicKeyOf(body.key);
  if (!key) return "a ticket without a valid key";
  if (!verify(null, proofText(role, body.process, to, nonce, certificate), key, signature)) return "a proof that does not match the ticket (or not the certificate of this TLS link)";
  return undefined;
}

/** The SHA-256 fingerprint of the (first) certificate of a PEM, as a TLS peer certificate gives it ("AA:BB:…"). */
export function certificateFingerprint(pem: Buffer): string {
  return new X509Certificate(pem).fingerprint256;
}
