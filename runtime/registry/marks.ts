// Marks that decorators and the transformer leave on functions and classes, read by the registry.

/** Set on a method by `@local`: never exposed nor fetched. */
export const LOCAL = Symbol.for("daffi.local");
/** Set on a method by `@alias(name)`: the remote name to use instead of the method's own. */
export const ALIAS = Symbol.for("daffi.alias");
/** Static method of Callback that the transformer calls from a static block of every subclass. */
export const DEFINE = Symbol.for("daffi.define");

export interface Marked {
  [LOCAL]?: boolean;
  [ALIAS]?: string;
}
