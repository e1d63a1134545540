// A timeout of any length: Node's timers fire at once above 2^31-1 ms, so longer ones are chained.

/** The longest delay one Node timer takes (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export class LongTimeout {
  private handle?: NodeJS.Timeout;
  private readonly deadline: number;

  /** Runs `fn` once, `ms` from now (0 or less: on the next turn). */
  constructor(
    private readonly fn: () => void,
    ms: number,
    private readonly keepAlive = true,
  ) {
    this.deadline = Date.now() + Math.max(0, ms);
    this.arm(Math.max(0, ms));
  }

  private arm(remaining: number): void {
    this.handle = remaining > MAX_TIMER_MS ? setTimeout(() => this.arm(this.deadline - Date.now()), MAX_TIMER_MS) : setTimeout(this.fn, remaining);
    if (!this.keepAlive) this.handle.unref();
  }

  clear(): void {
    clearTimeout(this.handle);
  }

  /** Its time has come but its timer has not run yet (a busy event loop): runs it now. True when it ran. */
  expireIfDue(): boolean {
    if (Date.now() < this.deadline) return false;
    this.clear();
    this.fn();
    return true;
  }
}
