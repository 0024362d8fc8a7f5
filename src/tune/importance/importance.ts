/**
 * Parameter importance, as Optuna's `get_param_importances` with its
 * `FanovaImportanceEvaluator`: how much of the objective's variance over the
 * search space each parameter explains on its own.
 *
 * A seeded random forest is fitted to the complete trials, every parameter on
 * the internal scale the samplers model (`toInternal`: a log-scale learning
 * rate is analysed per decade, a `oneMinusBeta` parameter per decade of
 * 1 - beta, an integer on its cells). For each tree, fANOVA splits the
 * variance of its prediction over the bounded space into each parameter's
 * main effect (`fanova.ts`); the shares are averaged over the trees
 * and normalized to sum to 1.
 *
 * Choices, and where they differ from Optuna:
 * - Optuna's fANOVA uses raw values (`transform_log=False`); here the internal
 *   scale is used, as everything that shows a parameter does in caviar.
 * - Categorical parameters are one feature whose splits send a set of choices
 *   each way (CART's sorting by mean target), and each choice weighs the same
 *   in the marginal; Optuna one-hot encodes them, so its marginal also counts
 *   impossible points (no choice, or two at once).
 * - Trials that lack a parameter of the analysed set (conditional parameters)
 *   are left out, as in Optuna. By default the set is the parameters every
 *   complete trial has; name a conditional one in `params` to analyse it on
 *   the trials where it exists.
 * - A parameter whose range is a single value (or one choice) gets 0, as in Optuna.
 * - A parameter whose distribution changes between trials is analysed over the
 *   union of its ranges (numbers) or of its choices, as long as the scale stays
 *   the same; a change of scale or type is an error.
 */
import type { Distribution, FrozenTrial, StudyView } from '../types.js';
import { choiceKey } from '../space/distributions.js';
import { internalRange, toInternal } from '../space/scale.js';
import { fitForest, type Feature } from './forest.js';
import { fanovaFractions } from './fanova.js';

export interface ImportanceOptions {
  /** The parameters to analyse. Default: those every complete trial has. */
  params?: readonly string[];
  /** What to explain. Default: the trial's value. Trials where it is not finite are left out. */
  target?: (trial: FrozenTrial) => number;
  /** Seeds the forest: same seed, same importances. Default 0. */
  seed?: number;
  /** Trees in the forest. Default 64, as Optuna. */
  nTrees?: number;
  /** Deepest a tree grows. Default 64, as Optuna. */
  maxDepth?: number;
  /** A node with fewer distinct trials is a leaf. Default 2, as Optuna. */
  minSamplesSplit?: number;
  /** Parameters tried at each split: all (default, as Optuna) or sqrt of their number. */
  maxFeatures?: 'all' | 'sqrt';
  /** Fewest usable trials to analyse (at least 2); fewer is an error. Default 2. */
  minTrials?: number;
  /** Scale the importances to sum to 1 (default, as Optuna); false gives each parameter's mean share of the variance. */
  normalize?: boolean;
}

export interface ParamImportance {
  readonly name: string;
  readonly importance: number;
}

/** Raised when importance cannot be computed: too few trials, an unknown parameter, a constant target. */
export class ImportanceError extends Error {
  override readonly name = 'ImportanceError';
}

/**
 * Each parameter's importance by fANOVA, most important first; the
 * importances sum to 1. `source` is a study (its complete trials are used) or
 * a list of trials (the complete ones are used).
 *
 * @example
 *   const study = await createStudy({ seed: 1 });
 *   await study.optimize((t) => 10 * t.suggestFloat('x', 0, 1) + 0.1 * t.suggestFloat('y', 0, 1), { nTrials: 100 });
 *   parameterImportance(study);
 *   // [{ name: 'x', importance: 0.99996 }, { name: 'y', importance: 0.00004 }] (about)
 *   parameterImportance(study, { target: (t) => t.completedAt! - t.startedAt! }); // what drives run time
 */
export function parameterImportance(source: StudyView | readonly FrozenTrial[], options: ImportanceOptions = {}): ParamImportance[] {
  const nTrees = positiveInteger('nTrees', options.nTrees ?? 64);
  const maxDepth = positiveInteger('maxDepth', options.maxDepth ?? 64);
  const minSamplesSplit = positiveInteger('minSamplesSplit', options.minSamplesSplit ?? 2);
  const minTrials = positiveInteger('minTrials', Math.max(2, options.minTrials ?? 2));
  const target = options.target ?? ((t: FrozenTrial) => t.value ?? NaN);

  const complete = isStudyView(source) ? source.trials(['complete']) : source.filter((t) => t.state === 'complete');
  const names = options.params === undefined ? sharedParams(complete) : checkedParams(options.params, complete);
  const trials: FrozenTrial[] = [];
  const targets: number[] = [];
  for (const t of complete) {
    if (!names.every((name) => name in t.params)) continue;
    const y = target(t);
    if (!Number.isFinite(y)) continue;
    trials.push(t);
    targets.push(y);
  }
  if (trials.length < minTrials) {
    const having = options.params === undefined ? '' : ` with ${names.map((n) => `"${n}"`).join(', ')}`;
    throw new ImportanceError(
      `parameter importance needs at least ${minTrials} complete trials${having} and a finite target; ` +
        `got ${trials.length} (of ${complete.length} complete)`,
    );
  }

  // Parameters with a single possible value explain nothing and are left out of the forest.
  const encoded = names.map((name) => encodeParam(name, trials));
  const analysed = encoded.filter((e): e is Encoded => e !== undefined);
  const shares = new Map<string, number>(names.map((n) => [n, 0]));
  if (analysed.length > 0) {
    const features = analysed.map((e) => e.feature);
    const data = { features, columns: analysed.map((e) => e.column), targets: Float64Array.from(targets) };
    const forest = fitForest(data, { nTrees, maxDepth, minSamplesSplit, maxFeatures: options.maxFeatures ?? 'all', seed: options.seed ?? 0 });
    const fractions = fanovaFractions(forest, features);
    if (fractions === undefined) {
      throw new ImportanceError(`the target is the same in all ${trials.length} trials: there is no variance to explain`);
    }
    analysed.forEach((e, i) => shares.set(e.name, fractions[i]));
  }
  let total = 0;
  for (const s of shares.values()) total += s;
  const result = names.map((name) => {
    const share = shares.get(name)!;
    // As Optuna: when nothing is explained by any one parameter alone, every one gets an equal part.
    const importance = options.normalize === false ? share : total > 0 ? share / total : 1 / names.length;
    return { name, importance };
  });
  return result.sort((a, b) => b.importance - a.importance);
}

/**
 * `parameterImportance` as a record, most important parameter first.
 *
 * @example
 *   parameterImportanceRecord(study); // { x: 0.99996, y: 0.00004 } (about)
 */
export function parameterImportanceRecord(source: StudyView | readonly FrozenTrial[], options: ImportanceOptions = {}): Record<string, number> {
  return Object.fromEntries(parameterImportance(source, options).map((p) => [p.name, p.importance]));
}

interface Encoded {
  readonly name: string;
  readonly feature: Feature;
  readonly column: Float64Array; // [trial] internal coordinate or choice index
}

/** A parameter as a forest feature over `trials`, or undefined when it can take a single value only. */
function encodeParam(name: string, trials: readonly FrozenTrial[]): Encoded | undefined {
  const distributions = trials.map((t) => t.distributions[name]);
  const kinds = new Set(distributions.map(scaleOf));
  if (kinds.size > 1) {
    throw new ImportanceError(`parameter "${name}" changes scale or type between trials (${[...kinds].join(', ')}); analyse those trials apart`);
  }
  const column = new Float64Array(trials.length);
  if (distributions[0].type === 'categorical') {
    // The union of the choices, in the order they first appear.
    const index = new Map<string, number>();
    for (const d of distributions) for (const c of (d as Extract<Distribution, { type: 'categorical' }>).choices) {
      if (!index.has(choiceKey(c))) index.set(choiceKey(c), index.size);
    }
    trials.forEach((t, i) => {
      const c = index.get(choiceKey(t.params[name]));
      if (c === undefined) throw new ImportanceError(`trial ${t.number}: "${name}" is ${String(t.params[name])}, not one of its choices`);
      column[i] = c;
    });
    return index.size < 2 ? undefined : { name, feature: { kind: 'categorical', nChoices: index.size }, column };
  }
  let low = Infinity;
  let high = -Infinity;
  trials.forEach((t, i) => {
    const d = distributions[i] as Exclude<Distribution, { type: 'categorical' }>;
    const range = internalRange(d);
    const x = toInternal(d, t.params[name]);
    column[i] = x;
    low = Math.min(low, range.low, x);
    high = Math.max(high, range.high, x);
  });
  const single = distributions.every((d) => d.type !== 'categorical' && d.low === d.high);
  return single || !(high > low) ? undefined : { name, feature: { kind: 'numeric', low, high }, column };
}

/** What must stay the same for a parameter to be one feature: categorical, or the numeric scale. */
function scaleOf(d: Distribution): string {
  return d.type === 'categorical' ? 'categorical' : `${d.scale} scale`;
}

/** The parameters every trial has, in the first trial's order. */
function sharedParams(trials: readonly FrozenTrial[]): string[] {
  if (trials.length === 0) return [];
  return Object.keys(trials[0].params).filter((name) => trials.every((t) => name in t.params));
}

function checkedParams(params: readonly string[], trials: readonly FrozenTrial[]): string[] {
  const known = new Set(trials.flatMap((t) => Object.keys(t.params)));
  const unknown = params.filter((p) => !known.has(p));
  if (unknown.length > 0) {
    const list = [...known].map((n) => `"${n}"`).join(', ') || 'none';
    throw new ImportanceError(`no complete trial has the parameter ${unknown.map((n) => `"${n}"`).join(', ')}; known: ${list}`);
  }
  const twice = params.filter((p, i) => params.indexOf(p) !== i);
  if (twice.length > 0) throw new ImportanceError(`params lists "${twice[0]}" twice`);
  return [...params];
}

function isStudyView(source: StudyView | readonly FrozenTrial[]): source is StudyView {
  return typeof (source as StudyView).trials === 'function';
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
