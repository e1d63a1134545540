// A tool's stdout, which its reader may close before the end (`daffi call ticks --stream | head -3`, `daffi inspect --watch | head`): then nothing more is written.
import { EventEmitter } from "node:events";

/** `closed` once stdout's reader went away; "closed" is emitted then. */
export const output = Object.assign(new EventEmitter(), { closed: false });

/** Watches stdout for its reader's going (EPIPE); call once, before writing. */
export function watchOutput(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    output.closed = true;
    output.emit("closed");
  });
}

/** Writes to stdout while its reader is there. */
export function write(text: string): void {
  if (!output.closed) process.stdout.write(text);
}
