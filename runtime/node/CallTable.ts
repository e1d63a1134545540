// The calls a node runs for others, by the caller's connection and the call's id: two small-integer keys, no string or large number built per call.

export class CallTable<T> {
  private readonly byConnection = new Map<number, Map<number, T>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(incarnation: number, callId: number): T | undefined {
    return this.byConnection.get(incarnation)?.get(callId);
  }

  set(incarnation: number, callId: number, value: T): void {
    let calls = this.byConnection.get(incarnation);
    if (!calls) {
      if (this.byConnection.size >= 1024) this.forgetIdleConnections();
      calls = new Map();
      this.byConnection.set(incarnation, calls);
    }
    if (!calls.has(callId)) this.count++;
    calls.set(callId, value);
  }

  delete(incarnation: number, callId: number): boolean {
    const calls = this.byConnection.get(incarnation);
    if (!calls?.delete(callId)) return false;
    this.count--;
    return true;
  }

  /** Takes every call out of the table, or those of the connections `which` says. */
  takeAll(which?: (incarnation: number) => boolean): T[] {
    const all: T[] = [];
    for (const [incarnation, calls] of this.byConnection) {
      if (which && !which(incarnation)) continue;
      all.push(...calls.values());
      this.count -= calls.size;
      this.byConnection.delete(incarnation);
    }
    return all;
  }

  /** The maps of connections with no call here are dropped (kept otherwise: a busy caller's is reused call after call). */
  private forgetIdleConnections(): void {
    for (const [incarnation, calls] of this.byConnection) if (calls.size === 0) this.byConnection.delete(incarnation);
  }
}
