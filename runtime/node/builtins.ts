// The calls daffi itself answers on every node (pinned to one process with `target`, never registered).
export const BUILTIN = {
  scheduledTasks: "__daffi.scheduledTasks",
  cancelScheduledTask: "__daffi.cancelScheduledTask",
  transfer: "__daffi.transfer",
  /** What this node's callbacks did: calls in flight, outcomes by code, time, callers (daffi inspect, the dashboard). */
  stats: "__daffi.stats",
  /** Followed by a callback's name: the text of its contract (null without one). Allowed to whoever may call that callback. */
  signature: "__daffi.signature:",
} as const;

/** Every built-in's name starts so: never registered, so never among a callback's providers. */
export const BUILTIN_PREFIX = "__daffi.";
