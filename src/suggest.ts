/**
 * How messages name what a user typed: {@link quote} shows it safely (short,
 * one line, invisible characters escaped), and "did you mean" hints answer
 * every unknown name a user can type: scenario keys, targets, ops, metrics,
 * transitions. Part of the shared kernel: imports nothing, so components and
 * the harness both use it.
 * @module
 */

/** The most characters of user input a message echoes, quotes excluded. */
export const QUOTE_MAX = 80;

/**
 * Characters a terminal would not show as themselves: controls, format
 * characters (zero-width, bidi overrides, the BOM, soft hyphen), line and
 * paragraph separators, spaces other than U+0020, private-use, unassigned
 * and lone surrogate code points.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}]|(?! )\p{Zs}/u;
/** The same, and `"` and `\`, which would end or bend a quote. */
const UNQUOTABLE =
  /["\\\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}]|(?! )\p{Zs}/u;

const SHORT: Readonly<Record<string, string>> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/**
 * `text` in double quotes for a one-line message: `"`, `\`, controls and
 * invisible characters escaped (`"wor\u0000kers"`), and cut to `max`
 * characters with `…` when longer, so a 100 KB name makes a short line.
 */
export function quote(text: string, max: number = QUOTE_MAX): string {
  return `"${escaped(text, max, UNQUOTABLE)}"`;
}

/**
 * `text` for a one-line message without quotes (a parser's own message):
 * controls and invisible characters escaped, cut to `max` with `…`.
 */
export function clip(text: string, max: number = QUOTE_MAX): string {
  return escaped(text, max, INVISIBLE);
}

function escaped(text: string, max: number, unsafe: RegExp): string {
  let out = "";
  for (const char of text) {
    const piece = unsafe.test(char) ? escapeChar(char) : char;
    if (out.length + piece.length > max) return `${out}…`;
    out += piece;
  }
  return out;
}

function escapeChar(char: string): string {
  if (Object.hasOwn(SHORT, char)) return SHORT[char];
  let out = "";
  for (let i = 0; i < char.length; i++) {
    out += `\\u${char.charCodeAt(i).toString(16).padStart(4, "0")}`;
  }
  return out;
}

/**
 * Up to `most` names from `candidates` close enough to `word` to be a typo
 * (case-insensitive edit distance), nearest first, ties by name.
 */
export function nearestNames(
  word: string,
  candidates: Iterable<string>,
  most = 3,
): string[] {
  const limit = Math.max(2, Math.floor(word.length / 3));
  const scored: { name: string; distance: number }[] = [];
  for (const candidate of candidates) {
    // The distance is at least the difference in length: skip the work
    // (a 100 KB word against every candidate would take seconds).
    if (Math.abs(word.length - candidate.length) > limit) continue;
    const distance = editDistance(word, candidate);
    if (distance <= limit) scored.push({ name: candidate, distance });
  }
  scored.sort((a, b) => a.distance - b.distance || (a.name < b.name ? -1 : 1));
  return scored.slice(0, most).map((entry) => entry.name);
}

/**
 * ` (did you mean "a"?)` for the nearest candidate (or up to `most`, as
 * `"a", "b" or "c"`), or `""` when nothing is close.
 */
export function didYouMean(
  word: string,
  candidates: Iterable<string>,
  most = 1,
): string {
  return formatSuggestions(nearestNames(word, candidates, most));
}

/** ` (did you mean "a" or "b"?)`, or `""` for no suggestions. */
export function formatSuggestions(suggestions: readonly string[]): string {
  if (suggestions.length === 0) return "";
  const quoted = suggestions.map((name) => `"${name}"`);
  const last = quoted.pop();
  const list = quoted.length === 0 ? last : `${quoted.join(", ")} or ${last}`;
  return ` (did you mean ${list}?)`;
}

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + cost,
      );
    }
    previous = current;
  }
  return previous[y.length];
}

/**
 * What `table` holds under `name` as its own key, or `undefined`: a name a
 * user typed (`constructor`, `__proto__`) never reaches Object.prototype.
 */
export function own<T>(
  table: Readonly<Record<string, T>>,
  name: string,
): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}
