// A list of `*` glob patterns (process or callback names), compiled once into one regular expression.

export class NamePatterns {
  private readonly regex: RegExp;
  /** `*` alone: every name, without running the expression. */
  private readonly everything: boolean;

  constructor(readonly patterns: readonly string[]) {
    this.everything = patterns.includes("*");
    const alternatives = patterns.map((pattern) => pattern.split("*").map(escape).join("[\\s\\S]*"));
    this.regex = new RegExp(`^(?:${alternatives.join("|") || "(?!)"})$`);
  }

  matches(name: string): boolean {
    return this.everything || this.regex.test(name);
  }
}

function escape(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
}
