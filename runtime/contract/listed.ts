// A call's `accept` is fingerprints separated by spaces: is one of them this one?

/** `token` is one of the space-separated words of `list` (no split: no allocation per call). */
export function listed(list: string, token: string): boolean {
  for (let at = list.indexOf(token); at >= 0; at = list.indexOf(token, at + 1)) {
    const end = at + token.length;
    if ((at === 0 || list.charCodeAt(at - 1) === 32) && (end === list.length || list.charCodeAt(end) === 32)) return true;
  }
  return false;
}
