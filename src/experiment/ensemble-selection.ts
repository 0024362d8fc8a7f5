/**
 * Which trials' models to average, chosen on the dev set: greedy ensemble
 * selection with replacement (Caruana et al., 2004), the method AutoML
 * systems (auto-sklearn, AutoGluon) use. Start from nothing; each round adds
 * the model (any model, again if it helps) whose addition scores best; the
 * ensemble is the best-scoring prefix of the rounds, each model weighted by
 * how many times it was added. It picks the number of distinct members by
 * itself, and a model that only repeats another's mistakes is never added.
 *
 * Scored by the study's metric on the dev set: accuracy (ties broken by the
 * lower cross-entropy, so a round still moves when accuracy is flat), or
 * cross-entropy for a devLoss study. The dev score of the result is
 * optimistic, since dev chose it: the test set is the honest measure.
 */
import { mixProbabilities, scoreProbabilities } from '../nn/ensemble.js';
import type { Evaluation } from '../train/evaluate.js';

export interface Selection {
  /** How many times each candidate was added (0: not a member), in the candidates' order. */
  readonly counts: readonly number[];
  /** The dev score of the weighted mean of the chosen candidates. */
  readonly dev: Evaluation;
}

/**
 * @param tables each candidate's dev probabilities, [n][classes] row-major
 * @param metric what to optimize: 'devAccuracy' (ties by loss) or 'devLoss'
 *
 * @example
 *   const { counts } = selectEnsemble([pA, pB, pC], yDev, 10, { metric: 'devAccuracy' });
 *   // counts [3, 0, 2]: A weighs 3/5, C 2/5
 */
export function selectEnsemble(
  tables: readonly Float32Array[], labels: Int32Array, classes: number, { metric = 'devAccuracy', rounds = 50 }: { metric?: 'devAccuracy' | 'devLoss'; rounds?: number } = {},
): Selection {
  if (tables.length === 0) throw new RangeError('selectEnsemble: no candidates');
  const better = (a: Evaluation, b: Evaluation | undefined): boolean =>
    b === undefined ||
    (metric === 'devLoss' ? a.loss < b.loss : a.accuracy > b.accuracy || (a.accuracy === b.accuracy && a.loss < b.loss));
  const counts = new Array<number>(tables.length).fill(0);
  const sum = new Float64Array(tables[0].length);
  const trial = new Float32Array(sum.length);
  let bestCounts = counts.slice();
  let bestScore: Evaluation | undefined;
  for (let round = 1; round <= rounds; round++) {
    let pick = -1;
    let pickScore: Evaluation | undefined;
    tables.forEach((t, k) => {
      for (let i = 0; i < trial.length; i++) trial[i] = (sum[i] + t[i]) / round;
      const score = scoreProbabilities(trial, labels, classes);
      // Strictly better only: among equals the earlier candidate (the better single trial) wins.
      if (better(score, pickScore)) {
        pick = k;
        pickScore = score;
      }
    });
    counts[pick]++;
    const added = tables[pick];
    for (let i = 0; i < sum.length; i++) sum[i] += added[i];
    if (better(pickScore!, bestScore)) {
      bestScore = pickScore;
      bestCounts = counts.slice();
    }
  }
  return { counts: bestCounts, dev: bestScore! };
}

/**
 * The dev score of the uniform mean of the first `k` candidates (the top K
 * trials, already ranked), as a `Selection`.
 *
 * @example topK([pA, pB, pC], yDev, 10, 2).counts; // [1, 1, 0]
 */
export function topK(tables: readonly Float32Array[], labels: Int32Array, classes: number, k: number): Selection {
  const counts = tables.map((_, i) => (i < k ? 1 : 0));
  const chosen = tables.slice(0, k);
  return { counts, dev: scoreProbabilities(mixProbabilities(chosen, chosen.map(() => 1 / chosen.length)), labels, classes) };
}
