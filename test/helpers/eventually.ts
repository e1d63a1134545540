// Waits for a condition that becomes true on its own (a registry update, a count reached), with a limit.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `condition` holds (checked every 20 ms); throws naming `what` after `ms`. */
export async function eventually(condition: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms}ms`);
    await sleep(20);
  }
}
