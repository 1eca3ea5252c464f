/**
 * "Did you mean" hints for every unknown name a user can type: scenario keys,
 * targets, ops, metrics, transitions. Part of the shared kernel: imports
 * nothing, so components and the harness both use it.
 * @module
 */

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
