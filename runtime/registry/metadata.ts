// What the daffi transformer records about a Callback/Fetcher class or a callback()/fetcher() function.
import type { MethodContract } from "../contract/Shape";

/** Result of a typia validator (typia's IValidation): the first error becomes a ValidationError. */
export interface ValidationOutcome {
  success: boolean;
  errors?: Array<{ path: string; expected: string; value: unknown }>;
}
/** A typia validator the transformer wrote for one type. */
export type Validator = (input: unknown) => ValidationOutcome;

/** What the transformer records of one remote method: names, parameters, validators, stream or not, its contract. */
export interface MethodMetadata {
  /** Property name in the class (or the function's name). */
  name: string;
  /** Name used on the wire (differs with @alias). */
  remoteName: string;
  /** Declared parameter names. */
  params: string[];
  /** True when the last parameter is a rest parameter (`...items`). */
  rest?: boolean;
  /** Per parameter: it may be left out or passed as undefined (`x?: T`, or a default value). */
  optional?: boolean[];
  /** True when a fetcher method has no body (a proxy: its own arguments are sent). */
  bodyless?: boolean;
  /** True when the result is a stream (AsyncIterable / generator). */
  stream?: boolean;
  /** One typia validator per parameter (null: not checked); for a rest parameter it checks the array of the rest. */
  args?: Array<Validator | null>;
  /** typia validator of the awaited result (fetchers only). */
  result?: Validator | null;
  /** typia validator of each item of a stream read with `for await` (fetchers only). */
  item?: Validator | null;
  /** The canonical contract (runtime/contract/Shape.ts), compared when a fetcher meets the callback. */
  contract?: MethodContract;
  /** An overloaded method: each signature (arguments fit when they fit any; the result is checked against the one they fit). */
  overloads?: Array<Pick<MethodMetadata, "params" | "rest" | "optional" | "args" | "result" | "item">>;
}

/** What the transformer records of a Callback or Fetcher class: its remote methods. */
export interface ClassMetadata {
  /** Exactly the methods that are exposed (callbacks) or fetched (fetchers), exclusions applied. */
  methods: MethodMetadata[];
}

/** The marker on the metadata object the transformer appends to `callback(...)` and `fetcher(...)` calls. */
export const METADATA = Symbol.for("daffi.metadata");

/** What the transformer appends to a `callback(fn)` or `fetcher<F>(name)` call: the metadata of its one method. */
export interface FunctionMetadata {
  [METADATA]: true;
  method: MethodMetadata;
}

export function isFunctionMetadata(value: unknown): value is FunctionMetadata {
  return typeof value === "object" && value !== null && (value as FunctionMetadata)[METADATA] === true;
}
