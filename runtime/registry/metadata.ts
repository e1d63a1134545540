// What the daffi transformer records about a Callback/Fetcher class or a callback()/fetcher() function.

/** Result of a typia validator: the first failure is reported as a ValidationError. */
export interface ValidationOutcome {
  success: boolean;
  errors?: Array<{ path: string; expected: string; value: unknown }>;
}
export type Validator = (input: unknown) => ValidationOutcome;

export interface MethodMetadata {
  /** Property name in the class (or function name). */
  name: string;
  /** Name used on the wire (differs with @alias). */
  remoteName: string;
  /** Declared parameter names, for error messages and docs. */
  params: string[];
  /** True when a fetcher method has no body (a proxy). */
  bodyless?: boolean;
  validateArgs?: Validator;
  validateResult?: Validator;
}

export interface ClassMetadata {
  /** Exactly the methods that are exposed (callbacks) or fetched (fetchers), exclusions applied. */
  methods: MethodMetadata[];
}
