// A callback's concurrency limit on this process (a bulkhead): at most `concurrency` of its calls
// run at once, `queue` more wait in order (each until its deadline or cancellation), the rest are
// refused at once with OverloadedError. It runs as the innermost incoming step: a call counts from
// when its callback starts until its answer, or its stream, is over.
import { callStorage } from "../context/CallContext";
import type { InterceptedCall, InterceptorStep, Next } from "../context/Interceptor";
import { OverloadedError } from "../errors/DaffiError";
import { shown } from "../log/shown";
import type { Limit } from "../registry/marks";

export class Bulkhead {
  private running = 0;
  /** The calls waiting for a place, in arrival order. */
  private readonly waiting = new Set<() => void>();

  constructor(
    private readonly name: string,
    private readonly limit: Required<Limit>,
    private readonly processName: string,
  ) {}

  /** Calls waiting now (metrics, tests). */
  get queued(): number {
    return this.waiting.size;
  }

  readonly step: InterceptorStep = (call: InterceptedCall, next: Next): Promise<unknown> => {
    if (this.running < this.limit.concurrency) {
      this.running++;
      return this.run(call, next);
    }
    if (this.waiting.size >= this.limit.queue) {
      return Promise.reject(new OverloadedError(`'${shown(this.name)}' on process '${shown(this.processName)}' runs ${this.running} calls (its concurrency) and ${this.waiting.size} wait (its queue): no room for more`));
    }
    const scope = callStorage.getStore();
    return new Promise<unknown>((resolve, reject) => {
      let unlink: (() => void) | undefined;
      const go = () => {
        unlink?.();
        resolve(this.run(call, next));
      };
      this.waiting.add(go);
      // A call that ends while it waits (its deadline, a cancel, its caller gone) leaves the queue without running.
      unlink = scope?.onAbort((reason) => {
        this.waiting.delete(go);
        reject(reason);
      });
    });
  };

  private run(call: InterceptedCall, next: Next): Promise<unknown> {
    let result: Promise<unknown>;
    try {
      result = next(call);
    } catch (error) {
      result = Promise.reject(error as Error);
    }
    return result.finally(() => this.leave());
  }

  private leave(): void {
    this.running--;
    for (const go of this.waiting) {
      if (this.running >= this.limit.concurrency) return;
      this.waiting.delete(go);
      this.running++;
      go();
    }
  }
}
