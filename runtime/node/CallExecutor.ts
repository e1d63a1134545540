// Runs the calls that arrive at this node and answers each with RESULT or ERROR.
import { CallbackNotFoundError, ConfigurationError, ProtocolError, ValidationError } from "../errors/DaffiError";
import { toWireError } from "../errors/wireError";
import type { Logger } from "../log/Logger";
import type { CallbackRegistry } from "../registry/CallbackRegistry";
import { decode, encode } from "../wire/codec";
import type { Frame, ReceivedFrame } from "../wire/Frame";
import { Kind, Mode } from "../wire/Kind";
import { checkArguments } from "../validation/validate";

export class CallExecutor {
  constructor(
    private readonly registry: CallbackRegistry,
    private readonly send: (frame: Frame) => void,
    private readonly log: Logger,
  ) {}

  run(frame: ReceivedFrame): void {
    const entry = this.registry.get(frame.name);
    if (!entry) return this.fail(frame, new CallbackNotFoundError(`this process has no callback named '${frame.name}'`), true);
    let args: unknown;
    try {
      args = decode(frame.payload);
    } catch (error) {
      return this.fail(frame, new ProtocolError(`arguments of '${frame.name}' are not valid CBOR: ${String(error)}`), true);
    }
    if (!Array.isArray(args)) {
      return this.fail(frame, new ValidationError(`arguments of '${frame.name}' must be an array`, { path: "$input", expected: "Array", value: args }), true);
    }
    const invalid = entry.metadata && checkArguments(entry.metadata, args);
    if (invalid) return this.fail(frame, invalid, true);
    let result: unknown;
    try {
      result = entry.fn.apply(entry.target, args);
    } catch (error) {
      return this.fail(frame, error, false);
    }
    if (isPromiseLike(result)) {
      result.then(
        (value) => this.succeed(frame, value),
        (error: unknown) => this.fail(frame, error, false),
      );
    } else {
      this.succeed(frame, result);
    }
  }

  private succeed(frame: ReceivedFrame, value: unknown): void {
    if (frame.mode === Mode.NO_RETURN) return;
    let payload: Buffer;
    try {
      payload = encode(value);
    } catch (error) {
      return this.fail(frame, new ConfigurationError(`the result of '${frame.name}' cannot be encoded as CBOR: ${String(error)}`), true);
    }
    this.send({ kind: Kind.RESULT, callId: frame.callId, target: frame.source, payload });
  }

  private fail(frame: ReceivedFrame, error: unknown, raisedByDaffi: boolean): void {
    if (frame.mode === Mode.NO_RETURN) {
      this.log.warn(`Callback '${frame.name}' called by '${frame.source}' (NO_RETURN) failed: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const wire = toWireError(error, raisedByDaffi);
    let payload: Buffer;
    try {
      payload = encode(wire);
    } catch {
      payload = encode({ ...wire, data: undefined }); // data the codec cannot carry is left out, the error still goes back
    }
    this.send({ kind: Kind.ERROR, callId: frame.callId, target: frame.source, payload });
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}
