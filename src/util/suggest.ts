/**
 * "Did you mean ...?" for every name a person types: experiment fields,
 * space keys, command-line options and commands all go through `closest`,
 * so a typo is answered the same way wherever it is made.
 */

/**
 * The known name nearest to `word` (edit distance, case ignored), or
 * undefined when none is near enough to be the likely intent: at most 2
 * edits, or a third of the word's length for long words.
 *
 * @example closest('learningRat', ['learningRate', 'beta']) // 'learningRate'
 * @example closest('zzz', ['trials', 'workers'])          // undefined
 */
export function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const option of options) {
    const d = editDistance(word.toLowerCase(), option.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = option;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/**
 * ` (did you mean 'X'?)` when a known name is near `word`, else ''.
 *
 * @example `unknown option '--trails'${didYouMean('--trails', ['--trials'])}` // "unknown option '--trails' (did you mean '--trials'?)"
 */
export function didYouMean(word: string, options: readonly string[]): string {
  const guess = closest(word, options);
  return guess === undefined ? '' : ` (did you mean '${guess}'?)`;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length];
}
