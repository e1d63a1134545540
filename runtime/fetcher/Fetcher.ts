// Fetcher classes: every remote method of a subclass (declared, from the shared interface, or with a body) calls a callback.
import { type Balancing, checkBalancing } from "../call/Balancer";
import { FG, type Modifier } from "../call/modifiers";
import { ConfigurationError } from "../errors/DaffiError";
import { checkMetadata, type Metadata } from "../context/metadata";
import { ALIAS, DEFINE, LOCAL, type Marked } from "../registry/marks";
import type { ClassMetadata, MethodMetadata } from "../registry/metadata";
import { warnUntransformed } from "../registry/untransformed";
import { argsValues } from "./args";
import { hasEmptyBody } from "./bodyless";
import { type RemoteMethod, remoteMethod } from "./remoteMethod";
import { isIterator } from "../call/iteration";
import type { FetcherConstructor } from "./types";

const classMetadata = new WeakMap<Function, ClassMetadata>();

class FetcherBase {
  constructor() {
    const cls = new.target;
    if (!classMetadata.has(cls)) warnUntransformed(`Fetcher class ${cls.name}`);
    const methods = new Map<string, RemoteMethod>();
    // The proxy answers for names the class does not define: the methods of the shared interface.
    return new Proxy(this, {
      get(target, property, receiver) {
        if (typeof property !== "string") return Reflect.get(target, property, receiver);
        const known = methods.get(property);
        if (known) return known;
        const method = resolve(cls, target, property, receiver);
        if (!method) return Reflect.get(target, property, receiver);
        methods.set(property, method);
        return method;
      },
    });
  }

  /** Called by the transformer from a static block at the end of every subclass. */
  static [DEFINE](this: Function, metadata?: ClassMetadata): void {
    if (metadata) classMetadata.set(this, metadata);
  }
}

/** The class that defines `property` on its prototype, between `cls` and FetcherBase. */
function definingClass(cls: Function, property: string): Function | undefined {
  for (let proto = cls.prototype as object | null; proto && proto !== FetcherBase.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    if (Object.hasOwn(proto, property)) return (proto as { constructor: Function }).constructor;
  }
  return undefined;
}

function declaredMethod(cls: Function, property: string): MethodMetadata | undefined {
  for (let current: Function | null = cls; current && current !== FetcherBase; current = Object.getPrototypeOf(current) as Function | null) {
    const found = classMetadata.get(current)?.methods.find((method) => method.name === property);
    if (found) return found;
  }
  return undefined;
}

function classBalancing(cls: Function): () => Balancing | undefined {
  return () => checkBalancing((cls as { balancing?: unknown }).balancing, `${cls.name}.balancing`);
}

function classMetadataOf(cls: Function): () => Metadata | undefined {
  return () => checkMetadata((cls as { metadata?: unknown }).metadata, `${cls.name}.metadata`);
}

function classModifier(cls: Function): () => Modifier {
  return () => {
    const modifier = (cls as { execModifier?: Modifier }).execModifier ?? FG;
    if (typeof modifier?.kind !== "string") throw new ConfigurationError(`${cls.name}.execModifier must be an execution modifier (FG, BG(...), ...)`);
    return modifier;
  };
}

/** The remote method for `property`, or undefined when it is a plain local member. */
function resolve(cls: Function, target: object, property: string, receiver: object): RemoteMethod | undefined {
  if (Object.hasOwn(target, property)) return undefined; // instance fields
  const owner = definingClass(cls, property);
  const metadata = declaredMethod(cls, property);
  if (!owner) {
    // Not defined by the class: a `declare`d proxy or a method of the shared interface,
    // unless it is an Object member (toString, …), `then` (await-safety) or `_private`.
    if (property in target || property === "then" || property.startsWith("_")) return undefined;
    return remoteMethod({ remoteName: metadata?.remoteName ?? property, metadata, modifier: classModifier(cls), balancing: classBalancing(cls), callMetadata: classMetadataOf(cls) });
  }
  const body = Reflect.get(target, property, receiver) as unknown;
  if (typeof body !== "function") return undefined;
  const marked = body as Marked;
  const ownerMetadata = classMetadata.get(owner);
  const local = marked[LOCAL] || (ownerMetadata ? !metadata : property.startsWith("_"));
  if (local) return undefined;
  const bodyless = metadata?.bodyless ?? hasEmptyBody(body);
  return remoteMethod({
    remoteName: marked[ALIAS] ?? metadata?.remoteName ?? property,
    metadata,
    modifier: classModifier(cls),
    balancing: classBalancing(cls),
    callMetadata: classMetadataOf(cls),
    prepare: (args) => {
      const result = (body as (...a: unknown[]) => unknown).apply(receiver, args);
      if (isIterator(result)) return { items: result };
      const values = argsValues(result);
      if (values) return { args: values };
      if (result === undefined && bodyless) return { args };
      throw new ConfigurationError(
        `fetcher method '${property}' of ${cls.name} has a body, so it must return args(...) with the arguments to send (an empty body sends its own arguments)`,
      );
    },
  });
}

/**
 * Base of fetcher classes: `class CalculatorClient extends Fetcher<Calculator> {}`.
 * `static execModifier = BG(...)` sets the modifier of all its methods; `static balancing =
 * "round-robin"` (or "least-busy", "random") how they pick a provider, unless a modifier says;
 * `static metadata = { … }` what each of their calls sends, under a modifier's own `metadata`.
 * @daffiKind fetcher-class
 */
export const Fetcher = FetcherBase as unknown as FetcherConstructor;
