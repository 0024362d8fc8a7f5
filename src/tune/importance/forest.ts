/**
 * Regression trees and a random forest on the tuner's internal coordinates,
 * fitted the way scikit-learn's RandomForestRegressor fits them for Optuna's
 * fANOVA: each tree sees a bootstrap sample (a row drawn k times weighs k),
 * splits minimize the squared error, and a node stops splitting when its
 * targets are all equal, it holds fewer than `minSamplesSplit` distinct rows,
 * or it is `maxDepth` deep.
 *
 * - A numeric feature splits at the midpoint between two neighbouring values
 *   (scikit-learn's thresholds).
 * - A categorical feature splits into two sets of choices. Sorting the
 *   choices present in a node by their mean target, the best of the k - 1
 *   prefix splits is the best of all 2^(k-1) - 1 partitions for squared
 *   error (Breiman et al., CART, 1984), so the search is linear. A choice
 *   no row of the node has goes with the heavier side.
 *
 * Every feature keeps its rows presorted: a node owns the same segment
 * [start, end) of each feature's order, and a split partitions each segment
 * stably, so each level of a tree costs O(features x rows) with no sorting.
 */
import { Rng } from '../../util/rng.js';

/** One feature of the data: a bounded numeric interval, or `nChoices` unordered choices (coded 0..nChoices-1). */
export type Feature =
  | { readonly kind: 'numeric'; readonly low: number; readonly high: number }
  | { readonly kind: 'categorical'; readonly nChoices: number };

/** Rows to fit: one column per feature (internal coordinates, or a choice's index), one target per row. */
export interface Dataset {
  readonly features: readonly Feature[];
  readonly columns: readonly Float64Array[]; // [feature][row]
  readonly targets: Float64Array; // [row]
}

export interface ForestOptions {
  readonly nTrees: number;
  readonly maxDepth: number;
  readonly minSamplesSplit: number;
  /** Features tried at each split: all of them (scikit-learn's regressor default since 1.1, so Optuna's) or floor(sqrt(n)). */
  readonly maxFeatures: 'all' | 'sqrt';
  readonly seed: number;
}

/** A fitted tree in flat arrays, indexed by node; node 0 is the root. */
export interface RegressionTree {
  readonly nNodes: number;
  /** The feature a node splits on, -1 at a leaf. */
  readonly feature: Int32Array;
  /** Numeric split: rows with x <= threshold go left. */
  readonly threshold: Float64Array;
  /** Categorical split: `goesLeft[node][choice]` is 1 when that choice goes left. */
  readonly goesLeft: readonly (Uint8Array | undefined)[];
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** The weighted mean target of the node's training rows: a leaf's prediction. */
  readonly value: Float64Array;
}

/**
 * Fits `nTrees` trees, each on its own bootstrap sample; the same seed gives the same forest.
 *
 * @example
 *   const data = { features: [{ kind: 'numeric', low: 0, high: 1 }] as const,
 *                  columns: [Float64Array.of(0.1, 0.4, 0.8)], targets: Float64Array.of(1, 2, 3) };
 *   fitForest(data, { nTrees: 8, maxDepth: 64, minSamplesSplit: 2, maxFeatures: 'all', seed: 0 }).length; // 8
 */
export function fitForest(data: Dataset, options: ForestOptions): RegressionTree[] {
  const n = data.targets.length;
  const grower = new TreeGrower(data, options);
  const rng = new Rng(options.seed);
  const weight = new Float64Array(n); // [row] bootstrap count
  const trees: RegressionTree[] = [];
  for (let t = 0; t < options.nTrees; t++) {
    const treeRng = rng.fork();
    weight.fill(0);
    for (let i = 0; i < n; i++) weight[treeRng.int(n)] += 1;
    trees.push(grower.grow(weight, treeRng));
  }
  return trees;
}

/** Grows trees on one dataset, reusing its sort orders and scratch buffers from tree to tree. */
class TreeGrower {
  private readonly sorted: Int32Array[]; // [feature][k]: all rows by that feature's value
  private readonly order: Int32Array[]; // [feature][k]: a tree's rows; each node's segment sorted by the feature
  private readonly scratch: Int32Array;
  private readonly toLeft: Uint8Array; // [row]
  private readonly featureOrder: Int32Array;
  private readonly choiceWeight: Float64Array; // [choice]
  private readonly choiceSum: Float64Array; // [choice]
  private readonly present: Int32Array; // [rank] choice
  private readonly mtry: number;
  // The best split of the node being searched (fields, not an object: this is the hot loop).
  private bestScore = -Infinity;
  private bestFeature = -1;
  private bestThreshold = NaN;
  private bestGoesLeft: Uint8Array | undefined = undefined;

  constructor(
    private readonly data: Dataset,
    private readonly options: ForestOptions,
  ) {
    const n = data.targets.length;
    const nFeatures = data.features.length;
    this.sorted = data.columns.map((column) => {
      const rows = Int32Array.from({ length: n }, (_, i) => i);
      return rows.sort((a, b) => column[a] - column[b] || a - b);
    });
    this.order = data.columns.map(() => new Int32Array(n));
    this.scratch = new Int32Array(n);
    this.toLeft = new Uint8Array(n);
    this.featureOrder = Int32Array.from({ length: nFeatures }, (_, i) => i);
    const maxChoices = Math.max(1, ...data.features.map((f) => (f.kind === 'categorical' ? f.nChoices : 1)));
    this.choiceWeight = new Float64Array(maxChoices);
    this.choiceSum = new Float64Array(maxChoices);
    this.present = new Int32Array(maxChoices);
    this.mtry = options.maxFeatures === 'all' ? nFeatures : Math.max(1, Math.floor(Math.sqrt(nFeatures)));
  }

  /** One tree on the rows with weight > 0. */
  grow(weight: Float64Array, rng: Rng): RegressionTree {
    const y = this.data.targets;
    let m = 0;
    this.sorted.forEach((rows, f) => {
      m = 0;
      for (const row of rows) if (weight[row] > 0) this.order[f][m++] = row;
    });
    const maxNodes = 2 * m - 1; // every leaf holds at least one distinct row
    const feature = new Int32Array(maxNodes).fill(-1);
    const threshold = new Float64Array(maxNodes);
    const goesLeft: (Uint8Array | undefined)[] = [];
    const left = new Int32Array(maxNodes).fill(-1);
    const right = new Int32Array(maxNodes).fill(-1);
    const value = new Float64Array(maxNodes);
    // Depth-first: a stack of (node, start, end, depth).
    const stack: number[] = [0, 0, m, 0];
    let nNodes = 1;
    while (stack.length > 0) {
      const depth = stack.pop()!;
      const end = stack.pop()!;
      const start = stack.pop()!;
      const node = stack.pop()!;
      const rows = this.order[0];
      let w = 0;
      let s = 0;
      let yMin = Infinity;
      let yMax = -Infinity;
      for (let k = start; k < end; k++) {
        const row = rows[k];
        w += weight[row];
        s += weight[row] * y[row];
        if (y[row] < yMin) yMin = y[row];
        if (y[row] > yMax) yMax = y[row];
      }
      value[node] = s / w;
      if (depth >= this.options.maxDepth || end - start < this.options.minSamplesSplit || yMin === yMax) continue;
      if (!this.findSplit(start, end, w, value[node], weight, rng)) continue; // every feature is constant here
      const nLeft = this.partition(start, end);
      feature[node] = this.bestFeature;
      threshold[node] = this.bestThreshold;
      goesLeft[node] = this.bestGoesLeft;
      left[node] = nNodes++;
      right[node] = nNodes++;
      stack.push(right[node], start + nLeft, end, depth + 1, left[node], start, start + nLeft, depth + 1);
    }
    return {
      nNodes,
      feature: feature.slice(0, nNodes),
      threshold: threshold.slice(0, nNodes),
      goesLeft: goesLeft.slice(0, nNodes),
      left: left.slice(0, nNodes),
      right: right.slice(0, nNodes),
      value: value.slice(0, nNodes),
    };
  }

  /**
   * The split with the largest sL²/wL + sR²/wR (sums of weighted targets
   * less the node's mean, which keeps the sums small): the one that removes
   * the most squared error. Features are tried in a random order, which
   * breaks ties fairly; with `sqrt` the first `mtry` non-constant ones are tried.
   * Leaves the winner in the best* fields; false when every feature is constant.
   */
  private findSplit(start: number, end: number, wTotal: number, mean: number, weight: Float64Array, rng: Rng): boolean {
    const y = this.data.targets;
    this.bestScore = -Infinity;
    this.bestFeature = -1;
    this.bestGoesLeft = undefined;
    const nFeatures = this.featureOrder.length;
    let tried = 0;
    for (let i = 0; i < nFeatures && tried < this.mtry; i++) {
      const j = i + rng.int(nFeatures - i);
      const f = this.featureOrder[j];
      this.featureOrder[j] = this.featureOrder[i];
      this.featureOrder[i] = f;
      const rows = this.order[f];
      const x = this.data.columns[f];
      if (x[rows[start]] === x[rows[end - 1]]) continue; // constant in this node (the segment is sorted)
      tried++;
      const spec = this.data.features[f];
      if (spec.kind === 'categorical') {
        this.categoricalSplit(spec.nChoices, f, start, end, mean, weight);
        continue;
      }
      // Sums of (y - mean) over all the node's rows are 0, so the right side's sum is -sL.
      let wL = 0;
      let sL = 0;
      let bestScore = this.bestScore;
      let bestK = -1;
      for (let k = start; k < end - 1; k++) {
        const row = rows[k];
        wL += weight[row];
        sL += weight[row] * (y[row] - mean);
        if (x[row] === x[rows[k + 1]]) continue;
        const score = (sL * sL) / wL + (sL * sL) / (wTotal - wL);
        if (score > bestScore) {
          bestScore = score;
          bestK = k;
        }
      }
      if (bestK >= 0) {
        const a = x[rows[bestK]];
        const b = x[rows[bestK + 1]];
        const t = a + (b - a) / 2;
        this.bestScore = bestScore;
        this.bestFeature = f;
        this.bestThreshold = t < b ? t : a; // a and b may be neighbouring doubles
        this.bestGoesLeft = undefined;
      }
    }
    return this.bestFeature >= 0;
  }

  private categoricalSplit(k: number, f: number, start: number, end: number, mean: number, weight: Float64Array): void {
    const y = this.data.targets;
    const rows = this.order[f];
    const x = this.data.columns[f];
    const cw = this.choiceWeight;
    const cs = this.choiceSum;
    cw.fill(0, 0, k);
    cs.fill(0, 0, k);
    for (let i = start; i < end; i++) {
      const c = x[rows[i]];
      cw[c] += weight[rows[i]];
      cs[c] += weight[rows[i]] * (y[rows[i]] - mean);
    }
    // The choices present, by mean target (insertion sort: k is small).
    const present = this.present;
    let nPresent = 0;
    let wTotal = 0;
    let sTotal = 0;
    for (let c = 0; c < k; c++) {
      if (!(cw[c] > 0)) continue;
      wTotal += cw[c];
      sTotal += cs[c];
      const choiceMean = cs[c] / cw[c];
      let p = nPresent++;
      for (; p > 0 && cs[present[p - 1]] / cw[present[p - 1]] > choiceMean; p--) present[p] = present[p - 1];
      present[p] = c;
    }
    let wL = 0;
    let sL = 0;
    let bestPrefix = -1;
    let bestWL = 0;
    for (let p = 0; p < nPresent - 1; p++) {
      wL += cw[present[p]];
      sL += cs[present[p]];
      const score = (sL * sL) / wL + ((sTotal - sL) * (sTotal - sL)) / (wTotal - wL);
      if (score > this.bestScore) {
        this.bestScore = score;
        bestPrefix = p;
        bestWL = wL;
      }
    }
    if (bestPrefix < 0) return;
    // Choices absent from the node go with the heavier side.
    const goesLeft = new Uint8Array(k).fill(bestWL >= wTotal - bestWL ? 1 : 0);
    for (let p = 0; p < nPresent; p++) goesLeft[present[p]] = p <= bestPrefix ? 1 : 0;
    this.bestFeature = f;
    this.bestThreshold = NaN;
    this.bestGoesLeft = goesLeft;
  }

  /** Moves each feature's rows going left to the front of the segment, keeping the sort; returns how many go left. */
  private partition(start: number, end: number): number {
    const x = this.data.columns[this.bestFeature];
    const goesLeft = this.bestGoesLeft;
    const threshold = this.bestThreshold;
    const toLeft = this.toLeft;
    const scratch = this.scratch;
    const rows = this.order[0];
    let nLeft = 0;
    for (let k = start; k < end; k++) {
      const v = x[rows[k]];
      const goLeft = goesLeft === undefined ? (v <= threshold ? 1 : 0) : goesLeft[v];
      toLeft[rows[k]] = goLeft;
      nLeft += goLeft;
    }
    // Branch-free: each row is written to both places, and only the right cursor advances.
    for (const order of this.order) {
      let l = start;
      let r = 0;
      for (let k = start; k < end; k++) {
        const row = order[k];
        const t = toLeft[row];
        order[l] = row;
        scratch[r] = row;
        l += t;
        r += 1 - t;
      }
      for (let k = 0; k < r; k++) order[l + k] = scratch[k];
    }
    return nLeft;
  }

}
