// Base class of callback groups: every public method of a subclass is a remote callback.
import { ConfigurationError } from "../errors/DaffiError";
import { localCallbacks } from "./CallbackRegistry";
import { exposedMethods } from "./exposedMethods";
import { DEFINE } from "./marks";
import type { ClassMetadata } from "./metadata";
import { warnUntransformed } from "./untransformed";

const classMetadata = new WeakMap<Function, ClassMetadata>();
const instances = new WeakMap<Function, object>();

/**
 * Extend it; each class has one instance per process: created by daffi when the class sets
 * `static autoInit = true` (no-argument constructor), else by the user with `new`.
 * @daffiKind callback-class
 */
export class Callback {
  // `static autoInit = true` is read from the subclass; it is not declared here, so that the
  // subclass's field needs no `override` under noImplicitOverride.

  constructor() {
    const cls = new.target;
    if (instances.has(cls)) {
      const how = autoInit(cls) ? " (daffi created it because of `static autoInit = true`)" : "";
      throw new ConfigurationError(`${cls.name} already has its instance${how}: a Callback class has one instance per process`);
    }
    if (!classMetadata.has(cls)) warnUntransformed(`Callback class ${cls.name}`);
    const methods = exposedMethods(this, Callback.prototype, (owner) => classMetadata.get(owner));
    const byName = new Map<string, string>();
    for (const { key, remoteName } of methods) {
      const other = byName.get(remoteName);
      if (other !== undefined) {
        throw new ConfigurationError(`${cls.name}: methods '${other}' and '${key}' are both exposed as '${remoteName}': a class exposes one callback per name (rename one with @alias, or mark one @local)`);
      }
      byName.set(remoteName, key);
    }
    localCallbacks.add(methods.map(({ remoteName, fn, metadata, limit }) => ({ name: remoteName, fn, target: this, origin: `class ${cls.name}`, metadata, limit })));
    instances.set(cls, this);
  }

  /** Called by the transformer from a static block at the end of every subclass. */
  static [DEFINE](this: typeof Callback, metadata?: ClassMetadata): void {
    if (metadata) classMetadata.set(this, metadata);
    if (autoInit(this) && !instances.has(this)) new this();
  }
}

/** The class's own `static autoInit` (not inherited: a subclass of an autoInit class decides for itself). */
function autoInit(cls: Function): boolean {
  return Object.hasOwn(cls, "autoInit") && (cls as { autoInit?: unknown }).autoInit === true;
}

/**
 * The Callback classes of loaded CommonJS modules' exports that say `static autoInit = true` but were
 * compiled without the transformer: nobody creates them (the transformer's static block does), so
 * nothing of them is exposed. ESM modules cannot be looked into.
 */
export function lostAutoInitClasses(): Function[] {
  const found = new Set<Function>();
  const consider = (value: unknown) => {
    if (typeof value !== "function" || !(value.prototype instanceof Callback)) return;
    if (autoInit(value) && !classMetadata.has(value) && !instances.has(value)) found.add(value);
  };
  for (const loaded of Object.values(require.cache)) {
    const exported: unknown = loaded?.exports;
    try {
      if (typeof exported === "function") consider(exported);
      // Data properties only: a getter of another module is never run (side effects, lazy loading).
      else if (exported && typeof exported === "object") for (const descriptor of Object.values(Object.getOwnPropertyDescriptors(exported))) consider(descriptor.value);
    } catch {
      // exports that cannot be looked at (a Proxy that throws): not ours to judge
    }
  }
  return [...found];
}
