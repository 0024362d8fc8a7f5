/**
 * fANOVA on regression trees (Hutter, Hoos & Leyton-Brown, "An Efficient
 * Approach for Assessing Hyperparameter Importance", ICML 2014), as Optuna's
 * FanovaImportanceEvaluator computes it.
 *
 * A tree cuts the bounded space into boxes, one per leaf, each predicting a
 * constant. Take a point uniformly in the space: the tree's prediction has a
 * mean and a variance. A feature's marginal, the prediction averaged over all
 * the other features as a function of that one alone, has a variance too;
 * their ratio is the fraction of the tree's variance that the feature explains
 * on its own (its main effect). Numeric features are uniform over their
 * bounds; a categorical feature gives each of its choices the same weight.
 *
 * `marginalVariance` works from the leaves: a leaf adds its value, times the
 * share of the other features' space it covers, to the marginal on its own
 * interval of the feature. `marginalVarianceReference` walks the tree for
 * each piece of the feature's range, as Optuna does; the tests hold the two
 * equal.
 */
import type { Feature, RegressionTree } from './forest.js';

/**
 * A tree's leaves as boxes of the space. Numeric features: an interval
 * between two of the feature's edges (its bounds and the tree's thresholds on
 * it, sorted); categorical: a set of choices.
 */
export interface LeafBoxes {
  readonly count: number;
  readonly value: Float64Array; // [leaf] prediction
  readonly volume: Float64Array; // [leaf] share of the whole space
  readonly edges: readonly (Float64Array | undefined)[]; // [feature][edge], numeric features
  readonly lowEdge: readonly (Int32Array | undefined)[]; // [feature][leaf] index into edges, numeric features
  readonly highEdge: readonly (Int32Array | undefined)[]; // [feature][leaf]
  readonly choices: readonly (Uint8Array | undefined)[]; // [feature][leaf * nChoices + choice], categorical features
  readonly choiceCount: readonly (Int32Array | undefined)[]; // [feature][leaf], categorical features
}

/**
 * The boxes of a tree's leaves inside the space `features` bounds.
 *
 * @example
 *   const boxes = leafBoxes(tree, features);
 *   boxes.volume.reduce((a, b) => a + b); // 1
 */
export function leafBoxes(tree: RegressionTree, features: readonly Feature[]): LeafBoxes {
  let count = 0;
  const cuts = features.map((f): number[] => (f.kind === 'numeric' ? [f.low, f.high] : []));
  for (let node = 0; node < tree.nNodes; node++) {
    const g = tree.feature[node];
    if (g < 0) count++;
    else if (tree.goesLeft[node] === undefined) cuts[g].push(tree.threshold[node]);
  }
  const edges = features.map((f, i) => (f.kind === 'numeric' ? uniqueSorted(cuts[i]) : undefined));
  const value = new Float64Array(count);
  const volume = new Float64Array(count);
  const lowEdge = features.map((f) => (f.kind === 'numeric' ? new Int32Array(count) : undefined));
  const highEdge = features.map((f) => (f.kind === 'numeric' ? new Int32Array(count) : undefined));
  const choices = features.map((f) => (f.kind === 'categorical' ? new Uint8Array(count * f.nChoices) : undefined));
  const choiceCount = features.map((f) => (f.kind === 'categorical' ? new Int32Array(count) : undefined));
  // The box of the node being visited, narrowed on the way down and restored on the way up.
  const lo = features.map(() => 0);
  const hi = features.map((_, i) => (edges[i] === undefined ? 0 : edges[i]!.length - 1));
  const sets = features.map((f) => new Uint8Array(f.kind === 'categorical' ? f.nChoices : 0).fill(1));
  let leaf = 0;
  const visit = (node: number): void => {
    const g = tree.feature[node];
    if (g < 0) {
      value[leaf] = tree.value[node];
      let v = 1;
      for (let i = 0; i < features.length; i++) {
        const f = features[i];
        if (f.kind === 'numeric') {
          lowEdge[i]![leaf] = lo[i];
          highEdge[i]![leaf] = hi[i];
          v *= (edges[i]![hi[i]] - edges[i]![lo[i]]) / (f.high - f.low);
        } else {
          let n = 0;
          for (let c = 0; c < f.nChoices; c++) n += choices[i]![leaf * f.nChoices + c] = sets[i][c];
          choiceCount[i]![leaf] = n;
          v *= n / f.nChoices;
        }
      }
      volume[leaf++] = v;
      return;
    }
    const goesLeft = tree.goesLeft[node];
    if (goesLeft === undefined) {
      const t = indexOf(edges[g]!, tree.threshold[node]);
      const savedHigh = hi[g];
      hi[g] = t;
      visit(tree.left[node]);
      hi[g] = savedHigh;
      const savedLow = lo[g];
      lo[g] = t;
      visit(tree.right[node]);
      lo[g] = savedLow;
    } else {
      const set = sets[g];
      const saved = set.slice();
      for (let c = 0; c < set.length; c++) set[c] = saved[c] & goesLeft[c];
      visit(tree.left[node]);
      for (let c = 0; c < set.length; c++) set[c] = saved[c] & (1 - goesLeft[c]);
      visit(tree.right[node]);
      set.set(saved);
    }
  };
  visit(0);
  return { count, value, volume, edges, lowEdge, highEdge, choices, choiceCount };
}

/**
 * The mean and variance of a tree's prediction at a uniform point of the space.
 *
 * @example
 *   treeMoments(leafBoxes(tree, features)); // { mean: 0.52, variance: 0.08 }
 */
export function treeMoments(boxes: LeafBoxes): { mean: number; variance: number } {
  let mean = 0;
  for (let i = 0; i < boxes.count; i++) mean += boxes.volume[i] * boxes.value[i];
  let variance = 0;
  for (let i = 0; i < boxes.count; i++) variance += boxes.volume[i] * (boxes.value[i] - mean) ** 2;
  return { mean, variance };
}

/**
 * The variance of feature `f`'s marginal: the prediction averaged over every
 * other feature, as a function of `f` uniform over its range. `mean` is the
 * tree's mean (`treeMoments`), which is also the marginal's mean.
 *
 * @example
 *   const boxes = leafBoxes(tree, features);
 *   marginalVariance(boxes, features, 0, treeMoments(boxes).mean) / treeMoments(boxes).variance; // feature 0's share
 */
export function marginalVariance(boxes: LeafBoxes, features: readonly Feature[], f: number, mean: number): number {
  const spec = features[f];
  if (spec.kind === 'categorical') {
    const k = spec.nChoices;
    const marginal = new Float64Array(k); // [choice]
    const choices = boxes.choices[f]!;
    const count = boxes.choiceCount[f]!;
    for (let leaf = 0; leaf < boxes.count; leaf++) {
      // The leaf covers volume / (count / k) of the other features' space at each of its choices.
      const share = (boxes.value[leaf] * boxes.volume[leaf] * k) / count[leaf];
      for (let c = 0; c < k; c++) if (choices[leaf * k + c] === 1) marginal[c] += share;
    }
    let variance = 0;
    for (let c = 0; c < k; c++) variance += (marginal[c] - mean) ** 2 / k;
    return variance;
  }
  const edges = boxes.edges[f]!;
  const lowEdge = boxes.lowEdge[f]!;
  const highEdge = boxes.highEdge[f]!;
  const width = spec.high - spec.low;
  // The marginal is constant between consecutive edges: build it as a difference array over them.
  const change = new Float64Array(edges.length); // [edge]
  for (let leaf = 0; leaf < boxes.count; leaf++) {
    const lo = lowEdge[leaf];
    const hi = highEdge[leaf];
    // The leaf covers volume / (its width / width) of the other features' space at each point of its interval.
    const share = (boxes.value[leaf] * boxes.volume[leaf] * width) / (edges[hi] - edges[lo]);
    change[lo] += share;
    change[hi] -= share;
  }
  let marginal = 0;
  let variance = 0;
  for (let i = 0; i + 1 < edges.length; i++) {
    marginal += change[i];
    variance += ((edges[i + 1] - edges[i]) / width) * (marginal - mean) ** 2;
  }
  return variance;
}

/**
 * The same quantity as `marginalVariance`, computed as Optuna does: for the
 * midpoint of each piece of `f`'s range between the tree's thresholds on `f`,
 * walk the tree, following splits on `f` and averaging both children
 * (weighted by the share of the node's box each takes) at every other split.
 * Slower; kept to test the fast path against.
 *
 * @example
 *   marginalVarianceReference(tree, features, 0); // equals marginalVariance(...) to rounding
 */
export function marginalVarianceReference(tree: RegressionTree, features: readonly Feature[], f: number): number {
  const spec = features[f];
  const points: number[] = [];
  const weights: number[] = [];
  if (spec.kind === 'categorical') {
    for (let c = 0; c < spec.nChoices; c++) {
      points.push(c);
      weights.push(1);
    }
  } else {
    const cuts = new Set<number>([spec.low, spec.high]);
    for (let node = 0; node < tree.nNodes; node++) if (tree.feature[node] === f) cuts.add(tree.threshold[node]);
    const sorted = [...cuts].sort((a, b) => a - b);
    for (let i = 0; i + 1 < sorted.length; i++) {
      points.push((sorted[i] + sorted[i + 1]) / 2);
      weights.push(sorted[i + 1] - sorted[i]);
    }
  }
  const lo = features.map((s) => (s.kind === 'numeric' ? s.low : 0));
  const hi = features.map((s) => (s.kind === 'numeric' ? s.high : 0));
  const sets = features.map((s) => new Uint8Array(s.kind === 'categorical' ? s.nChoices : 0).fill(1));
  const averageBelow = (node: number, x: number): number => {
    const g = tree.feature[node];
    if (g < 0) return tree.value[node];
    const goesLeft = tree.goesLeft[node];
    if (g === f) {
      const left = goesLeft === undefined ? x <= tree.threshold[node] : goesLeft[x] === 1;
      return averageBelow(left ? tree.left[node] : tree.right[node], x);
    }
    if (goesLeft === undefined) {
      const t = tree.threshold[node];
      const pLeft = (t - lo[g]) / (hi[g] - lo[g]);
      const savedHigh = hi[g];
      hi[g] = t;
      const a = averageBelow(tree.left[node], x);
      hi[g] = savedHigh;
      const savedLow = lo[g];
      lo[g] = t;
      const b = averageBelow(tree.right[node], x);
      lo[g] = savedLow;
      return pLeft * a + (1 - pLeft) * b;
    }
    const set = sets[g];
    const saved = set.slice();
    let nLeft = 0;
    let nAll = 0;
    for (let c = 0; c < set.length; c++) {
      nAll += saved[c];
      nLeft += saved[c] & goesLeft[c];
    }
    for (let c = 0; c < set.length; c++) set[c] = saved[c] & goesLeft[c];
    const a = nLeft > 0 ? averageBelow(tree.left[node], x) : 0;
    for (let c = 0; c < set.length; c++) set[c] = saved[c] & (1 - goesLeft[c]);
    const b = nLeft < nAll ? averageBelow(tree.right[node], x) : 0;
    set.set(saved);
    return (nLeft * a + (nAll - nLeft) * b) / nAll;
  };
  const values = points.map((x) => averageBelow(0, x));
  const total = weights.reduce((a, b) => a + b, 0);
  const mean = values.reduce((acc, v, i) => acc + weights[i] * v, 0) / total;
  return values.reduce((acc, v, i) => acc + weights[i] * (v - mean) ** 2, 0) / total;
}

/**
 * Each feature's share of the variance of each tree, averaged over the trees
 * whose prediction varies at all (as Optuna does); `undefined` when none does.
 *
 * @example
 *   fanovaFractions(fitForest(data, options), data.features); // Float64Array [0.93, 0.01, ...]
 */
export function fanovaFractions(trees: readonly RegressionTree[], features: readonly Feature[]): Float64Array | undefined {
  const sum = new Float64Array(features.length); // [feature]
  let used = 0;
  for (const tree of trees) {
    const boxes = leafBoxes(tree, features);
    const { mean, variance } = treeMoments(boxes);
    if (!(variance > 0)) continue;
    used++;
    for (let f = 0; f < features.length; f++) sum[f] += marginalVariance(boxes, features, f, mean) / variance;
  }
  return used === 0 ? undefined : sum.map((s) => s / used);
}

/** The distinct values of `values`, sorted. */
function uniqueSorted(values: readonly number[]): Float64Array {
  const all = Float64Array.from(values).sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[n - 1]) all[n++] = all[i];
  return all.slice(0, n);
}

/** The position of `x` in the sorted `edges`, which hold it. */
function indexOf(edges: Float64Array, x: number): number {
  let lo = 0;
  let hi = edges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
