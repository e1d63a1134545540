// A list of `*` glob patterns (process or callback names), matched without backtracking: no name can make a check slow.

/** `*` matches any run of characters (none too); everything else only itself. Linear in practice, O(name × pattern) at worst. */
export function globMatches(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    const c = pattern.charCodeAt(p);
    if (p < pattern.length && c !== 42 /* * */ && c === name.charCodeAt(n)) {
      p++;
      n++;
    } else if (p < pattern.length && c === 42) {
      star = p++;
      resume = n;
    } else if (star !== -1) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}

export class NamePatterns {
  /** `*` alone: every name. */
  private readonly everything: boolean;
  private readonly exact: Set<string>;
  private readonly globs: string[];

  constructor(readonly patterns: readonly string[]) {
    this.everything = patterns.includes("*");
    this.exact = new Set(patterns.filter((pattern) => !pattern.includes("*")));
    this.globs = patterns.filter((pattern) => pattern.includes("*"));
  }

  matches(name: string): boolean {
    return this.everything || this.exact.has(name) || this.globs.some((pattern) => globMatches(pattern, name));
  }
}
