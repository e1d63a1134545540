// The calls daffi itself answers on every node (pinned to one process with `target`, never registered).
export const BUILTIN = {
  scheduledTasks: "__daffi.scheduledTasks",
  cancelScheduledTask: "__daffi.cancelScheduledTask",
  transfer: "__daffi.transfer",
} as const;
