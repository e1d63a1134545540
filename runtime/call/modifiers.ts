// Execution modifiers: how a remote call is carried out. Usable bare (`FG`) or configured (`FG({ timeout: 5 })`).
import { ConfigurationError } from "../errors/DaffiError";

export interface FGOptions {
  /** Seconds to wait for the result before TimeoutError. */
  timeout?: number;
}

export interface Modifier<K extends string = string, O = unknown> {
  readonly kind: K;
  readonly options: O;
}

export type ModifierFactory<K extends string, O> = Modifier<K, O> & ((options?: O) => Modifier<K, O>);

export function checkSeconds(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(`${what} must be a positive number of seconds, got ${String(value)}`);
  }
  return value;
}

function modifierFactory<K extends string, O extends object>(kind: K, check: (options: O) => O): ModifierFactory<K, O> {
  const factory = (options?: O): Modifier<K, O> => {
    if (options !== undefined && (typeof options !== "object" || options === null)) {
      throw new ConfigurationError(`${kind}(options) takes an options object, got ${String(options)}`);
    }
    return Object.freeze({ kind, options: check(options ?? ({} as O)) });
  };
  return Object.defineProperties(factory, {
    kind: { value: kind, enumerable: true },
    options: { value: Object.freeze({}), enumerable: true },
  }) as ModifierFactory<K, O>;
}

/** Foreground: the call resolves to the callback's result (the default). */
export const FG = modifierFactory<"FG", FGOptions>("FG", (options) => ({ timeout: checkSeconds(options.timeout, "FG timeout") }));

export type AnyModifier = Modifier<"FG", FGOptions>;
