// Which methods of a Callback instance are callbacks: from transformer metadata, else found at run time.
import { ALIAS, LIMIT, type Limit, LOCAL, type Marked } from "./marks";
import type { ClassMetadata, MethodMetadata } from "./metadata";

export interface ExposedMethod {
  /** The method's own name in the class. */
  key: string;
  remoteName: string;
  fn: (...args: unknown[]) => unknown;
  metadata?: MethodMetadata;
  /** `@limit`'s, if any. */
  limit?: Required<Limit> | undefined;
}

/**
 * Walks the prototypes from the instance's class up to `stopAt`. For a class the transformer saw,
 * its metadata lists exactly the exposed methods (TypeScript `private`/`protected` excluded).
 * For a class compiled without it, every function-valued own property is a callback except the
 * constructor, `_names`, getters and setters, and `@local` methods.
 */
export function exposedMethods(instance: object, stopAt: object, metadataOf: (cls: Function) => ClassMetadata | undefined): ExposedMethod[] {
  const methods: ExposedMethod[] = [];
  const seen = new Set<string>();
  /** The metadata of the classes walked so far, the most derived first: a subclass of a generic base describes the inherited methods with its own types. */
  const walked: ClassMetadata[] = [];
  const mostDerived = (key: string) => {
    for (const metadata of walked) {
      const found = metadata.methods.find((method) => method.name === key);
      if (found) return found;
    }
    return undefined;
  };
  for (let proto = Object.getPrototypeOf(instance) as object | null; proto && proto !== stopAt; proto = Object.getPrototypeOf(proto) as object | null) {
    const metadata = metadataOf((proto as { constructor: Function }).constructor);
    if (metadata) walked.push(metadata);
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (seen.has(key)) continue;
      seen.add(key);
      const value = Object.getOwnPropertyDescriptor(proto, key)?.value as unknown;
      if (key === "constructor" || typeof value !== "function") continue;
      const marked = value as Marked;
      if (marked[LOCAL]) continue;
      if (metadata) {
        const declared = metadata.methods.find((method) => method.name === key);
        if (declared) methods.push({ key, remoteName: marked[ALIAS] ?? declared.remoteName, fn: value as ExposedMethod["fn"], metadata: mostDerived(key) ?? declared, limit: marked[LIMIT] as Required<Limit> | undefined });
      } else if (!key.startsWith("_")) {
        methods.push({ key, remoteName: marked[ALIAS] ?? key, fn: value as ExposedMethod["fn"], limit: marked[LIMIT] as Required<Limit> | undefined });
      }
    }
  }
  return methods;
}
