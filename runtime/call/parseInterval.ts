// PERIOD's interval: seconds as a number, or a string such as "5s", "1m24s", "1.2 minutes", "500ms".
import { passed } from "../errors/passed";
import { ConfigurationError } from "../errors/DaffiError";

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const unitOf: Record<string, keyof typeof unitMs> = {
  ms: "ms", msec: "ms", msecs: "ms", millisecond: "ms", milliseconds: "ms",
  s: "s", sec: "s", secs: "s", second: "s", seconds: "s",
  m: "m", min: "m", mins: "m", minute: "m", minutes: "m",
  h: "h", hr: "h", hrs: "h", hour: "h", hours: "h",
  d: "d", day: "d", days: "d",
};

/** Milliseconds; throws ConfigurationError on anything else than a positive duration. */
export function parseInterval(interval: number | string): number {
  if (typeof interval === "number") {
    if (!Number.isFinite(interval) || interval <= 0) throw new ConfigurationError(`PERIOD interval must be a positive number of seconds, got ${passed(interval)}`);
    return interval * 1000;
  }
  if (typeof interval !== "string") throw new ConfigurationError(`PERIOD interval must be seconds or a string like "1m24s", got ${passed(interval)}`);
  const text = interval.trim().toLowerCase();
  const token = /(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)\s*/gy;
  let total = 0;
  let consumed = 0;
  for (let match = token.exec(text); match; match = token.exec(text)) {
    const unit = Object.hasOwn(unitOf, match[2]!) ? unitOf[match[2]!] : undefined;
    if (!unit) throw new ConfigurationError(`PERIOD interval "${interval}": unknown unit '${match[2]}' (use ms, s, m, h, d or their names)`);
    total += Number(match[1]) * unitMs[unit]!;
    consumed = token.lastIndex;
  }
  if (text.length === 0 || consumed !== text.length || total <= 0) {
    throw new ConfigurationError(`PERIOD interval "${interval}" is not a duration like "5s", "1m24s", "1.2 minutes" or "500ms"`);
  }
  return total;
}
