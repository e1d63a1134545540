// Text that came from the wire, as a log line shows it: cut to a bounded length (the Logger escapes control characters).

export const SHOWN_MAX = 200;

export function shown(value: unknown, max = SHOWN_MAX): string {
  const text = typeof value === "string" ? value : String(value);
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length - max} more characters)`;
}
