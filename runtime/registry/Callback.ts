// Base class of callback groups: every public method of a subclass is a remote callback.
import { ConfigurationError } from "../errors/DaffiError";
import { localCallbacks } from "./CallbackRegistry";
import { exposedMethods } from "./exposedMethods";
import { DEFINE } from "./marks";
import type { ClassMetadata } from "./metadata";

const classMetadata = new WeakMap<Function, ClassMetadata>();
const instances = new WeakMap<Function, object>();

/**
 * Extend it; each class has one instance per process: created by daffi when the class sets
 * `static autoInit = true` (no-argument constructor), else by the user with `new`.
 * @daffiKind callback-class
 */
export class Callback {
  /** Let daffi create the single instance as soon as the class is defined. */
  static autoInit?: boolean;

  constructor() {
    const cls = new.target;
    if (instances.has(cls)) {
      const how = Object.hasOwn(cls, "autoInit") && cls.autoInit ? " (daffi created it because of `static autoInit = true`)" : "";
      throw new ConfigurationError(`${cls.name} already has its instance${how}: a Callback class has one instance per process`);
    }
    const methods = exposedMethods(this, Callback.prototype, (owner) => classMetadata.get(owner));
    localCallbacks.add(methods.map(({ remoteName, fn }) => ({ name: remoteName, fn, target: this, origin: `class ${cls.name}` })));
    instances.set(cls, this);
  }

  /** Called by the transformer from a static block at the end of every subclass. */
  static [DEFINE](this: typeof Callback, metadata?: ClassMetadata): void {
    if (metadata) classMetadata.set(this, metadata);
    if (Object.hasOwn(this, "autoInit") && this.autoInit && !instances.has(this)) new this();
  }
}
