// The NATS subjects of one daffi system (its namespace): who listens where, and the tokens names become.

/** Names made of these characters are subject tokens as they are (readable in NATS permissions). */
const SAFE_TOKEN = /^[A-Za-z0-9_-]+$/;
/** A namespace: subject tokens joined by dots. */
export const NAMESPACE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
export const DEFAULT_NAMESPACE = "daffi";

/**
 * A process name as one subject token: itself when it is made of letters, digits, `_` and `-`;
 * otherwise `=` and its UTF-8 bytes in base64url (a safe name never starts with `=`, so no two meet).
 */
export function subjectToken(name: string): string {
  return SAFE_TOKEN.test(name) ? name : `=${Buffer.from(name, "utf8").toString("base64url")}`;
}

/** The name a token stands for; undefined for a token no name gives. */
export function nameOfToken(token: string): string | undefined {
  if (SAFE_TOKEN.test(token)) return token;
  if (!token.startsWith("=")) return undefined;
  const name = Buffer.from(token.slice(1), "base64url").toString("utf8");
  return subjectToken(name) === token ? name : undefined;
}

export class Subjects {
  constructor(readonly namespace: string) {}

  /**
   * A process's full announcements (and its answers to `hello` and `sync`), heartbeats and goodbye:
   * each on a subject of its own name, so that NATS permissions can let a user speak only for its
   * own processes; `ofAll` is what everyone subscribes to.
   */
  presence(name: string): string {
    return `${this.namespace}.presence.${subjectToken(name)}`;
  }

  alive(name: string): string {
    return `${this.namespace}.alive.${subjectToken(name)}`;
  }

  bye(name: string): string {
    return `${this.namespace}.bye.${subjectToken(name)}`;
  }

  /** `presence`, `alive` or `bye` of every process. */
  ofAll(kind: "presence" | "alive" | "bye"): string {
    return `${this.namespace}.${kind}.*`;
  }

  /** A process joining (or back) asks every other to announce itself. */
  get hello(): string {
    return `${this.namespace}.hello`;
  }

  /** Where a process is asked for its full announcement (its version moved on, or it is not known). */
  sync(name: string): string {
    return `${this.namespace}.sync.${subjectToken(name)}`;
  }

  /** Where a process name is claimed, and where its holder answers that it holds it. */
  claim(name: string): string {
    return `${this.namespace}.claim.${subjectToken(name)}`;
  }

  /**
   * Frames for `target` from `source`. The sender's name is in the subject, so that NATS
   * permissions can let each user publish only as its own processes (README: Scaling out: daffi on NATS).
   */
  frames(target: string, source: string): string {
    return `${this.namespace}.p.${subjectToken(target)}.${subjectToken(source)}`;
  }

  /** What a process subscribes to for its frames, from anyone. */
  framesFor(target: string): string {
    return `${this.namespace}.p.${subjectToken(target)}.*`;
  }
}

/** The process name a subject's last token gives (the sender's, on the subjects above). */
export function lastName(subject: string): string | undefined {
  return nameOfToken(subject.slice(subject.lastIndexOf(".") + 1));
}
