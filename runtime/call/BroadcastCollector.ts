// Gathers the answers of a BROADCAST call: one entry per process, a result or the error that process raised.
import { TimeoutError, type DaffiError } from "../errors/DaffiError";
import { fromWireError, type WireError } from "../errors/wireError";
import { decode } from "../wire/codec";
import type { ReceivedFrame } from "../wire/Frame";
import { Kind } from "../wire/Kind";

/** `{ [processName]: result }`; a process that failed, left or did not answer in time has its error instead. */
export type BroadcastResult<R> = Record<string, R | DaffiError>;

export class BroadcastCollector<R = unknown> {
  private expected?: Set<string>;
  /** By process name, in a Map: any name counts, `toString` and `__proto__` included. */
  private readonly answers = new Map<string, R | DaffiError>();

  /**
   * Takes ACCEPTED (the list of processes) and each process's RESULT or ERROR. False for a frame that
   * is not part of the gathering: an ERROR before ACCEPTED comes from the controller and fails the call.
   */
  receive(frame: ReceivedFrame): boolean {
    if (frame.kind === Kind.ACCEPTED) this.accept(decode<string[]>(frame.payload) ?? []);
    else if (!this.accepted) return false;
    else if (frame.kind === Kind.ERROR) this.answer(frame.source, fromWireError(decode<WireError>(frame.payload), frame.source));
    else this.answer(frame.source, decode(frame.payload) as R);
    return true;
  }

  /** The controller listed the processes the call went to. */
  accept(processes: string[]): void {
    this.expected = new Set(Array.isArray(processes) ? processes.filter((name) => typeof name === "string") : []);
  }

  get accepted(): boolean {
    return this.expected !== undefined;
  }

  /** The first answer of a process counts (a link lost after it answered does not change it). */
  answer(process: string, value: R | DaffiError): void {
    if (this.expected?.has(process) && !this.answers.has(process)) this.answers.set(process, value);
  }

  get complete(): boolean {
    return this.expected !== undefined && this.answers.size === this.expected.size;
  }

  /** What is there; processes that did not answer get a TimeoutError entry. Every name is an own property of the record. */
  result(timeoutSeconds?: number): BroadcastResult<R> {
    for (const process of this.expected ?? []) {
      if (!this.answers.has(process)) this.answers.set(process, new TimeoutError(`process '${process}' did not answer within ${timeoutSeconds}s`));
    }
    return Object.fromEntries(this.answers);
  }
}
