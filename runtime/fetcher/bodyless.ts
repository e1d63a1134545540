// Without the transformer, a fetcher method is a proxy when its source has an empty body.

export function hasEmptyBody(fn: Function): boolean {
  const source = Function.prototype.toString.call(fn).replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, "").trim();
  return /\)\s*\{\s*\}$/.test(source);
}
