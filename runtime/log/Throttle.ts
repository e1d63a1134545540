// At most `limit` log lines of one kind per window: a flood of hostile clients cannot flood the log too.

export class Throttle {
  private windowStart = 0;
  private count = 0;
  private suppressed = 0;

  constructor(
    private readonly limit = 20,
    private readonly windowMs = 10_000,
  ) {}

  /** The line to write (with a count of the ones left out before it), or undefined to leave this one out. */
  admit(line: string): string | undefined {
    const now = Date.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.count = 0;
    }
    if (this.count >= this.limit) {
      this.suppressed++;
      return undefined;
    }
    this.count++;
    if (this.suppressed === 0) return line;
    const before = this.suppressed;
    this.suppressed = 0;
    return `${line} (${before} more like it were not logged)`;
  }
}
