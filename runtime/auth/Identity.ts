// Who an admitted node is, and what it may do: the process names it may claim, the callbacks it may serve and call.
import { PermissionDeniedError } from "../errors/DaffiError";
import { shown } from "../log/shown";
import { BUILTIN } from "../node/builtins";
import type { IdentityOptions } from "./AuthOptions";
import { NamePatterns } from "./NamePatterns";

type Rules = Pick<IdentityOptions, "processNames" | "serve" | "call" | "transfer">;

const EVERYTHING: Rules = { processNames: ["*"], serve: ["*"], call: ["*"], transfer: true };

export class Identity {
  private readonly processNames: NamePatterns;
  private readonly serve: NamePatterns;
  private readonly call: NamePatterns;
  private readonly transfer: boolean;

  constructor(
    /** The identity's name in `auth.identities` (for logs and refusals). */
    readonly name: string,
    rules: Rules,
  ) {
    this.processNames = new NamePatterns(rules.processNames);
    this.serve = new NamePatterns(rules.serve);
    this.call = new NamePatterns(rules.call);
    this.transfer = rules.transfer ?? false;
  }

  /** Every permission: a controller without `auth`, or the node in the controller's own process. */
  static unrestricted(name: string): Identity {
    return new Identity(name, EVERYTHING);
  }

  /** What the identity may call, as the controller states it in a node's ticket (runtime/direct/Ticket.ts). */
  get callRules(): { call: string[]; transfer: boolean } {
    return { call: [...this.call.patterns], transfer: this.transfer };
  }

  mayClaim(processName: string): boolean {
    return this.processNames.matches(processName);
  }

  mayServe(callback: string): boolean {
    return this.serve.matches(callback);
  }

  /**
   * The refusal of a call to `callback`, or undefined when it is allowed. transferAndCall needs
   * `transfer: true`; the other built-ins (`__daffi.*`) are callback names like any other.
   */
  refuseCall(callback: string): PermissionDeniedError | undefined {
    if (callback === BUILTIN.transfer) {
      return this.transfer ? undefined : new PermissionDeniedError(`identity '${this.name}' may not use transferAndCall (it needs transfer: true)`);
    }
    // A callback's contract may be read by whoever may call it.
    const called = callback.startsWith(BUILTIN.signature) ? callback.slice(BUILTIN.signature.length) : callback;
    if (this.call.matches(called)) return undefined;
    return new PermissionDeniedError(`identity '${this.name}' may not call '${shown(callback)}' (it may call: ${this.call.patterns.join(", ") || "nothing"})`);
  }
}
