// Turns the source of a transferred function back into a function, with `require` in scope for its imports.

/** Accepts `function f() {}`, `async function`, arrows, and method shorthand (`f() {}`, `async f() {}`). */
export function rebuildFunction(source: string): (...args: unknown[]) => unknown {
  const text = source.trim();
  const isExpression = /^(async\s+)?(function\b|\(|[A-Za-z_$][\w$]*\s*=>)/.test(text);
  const expression = isExpression ? text : text.replace(/^(async\s+)?/, (prefix) => `${prefix}function `);
  const fn = new Function("require", `"use strict"; return (${expression});`)(require) as unknown;
  if (typeof fn !== "function") throw new TypeError("the transferred source is not a function");
  return fn as (...args: unknown[]) => unknown;
}
