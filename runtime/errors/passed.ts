// How a wrong value is shown in an error message: as it was passed, so "8888" (a string) is not 8888.

/** A value as it was passed: `"8888" (a string)` is not `8888`. */
export function passed(value: unknown): string {
  try {
    return describePassed(value);
  } catch {
    return "a value that cannot be looked at";
  }
}

function describePassed(value: unknown): string {
  if (typeof value === "string") return `${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)} (a string)`;
  if (typeof value === "number" || typeof value === "boolean" || value === undefined || value === null) return String(value);
  if (typeof value === "bigint") return `${value}n`;
  return `a${Array.isArray(value) ? "n array" : ` ${typeof value}`}`;
}
