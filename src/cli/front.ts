/**
 * How the command line shows a multi-objective study: its Pareto front as a
 * table (one column per objective, named by the study's metric names), the
 * front's hypervolume from the default reference point (multi/reference.ts),
 * and a short line for progress bars. Single-objective studies never come here.
 */
import { summarizeFront } from '../tune/multi/summary.js';
import type { Direction, FrozenTrial } from '../tune/types.js';
import { formatParam, table } from './format.js';

/** What front display needs of a study. */
export interface FrontStudy {
  readonly directions: readonly Direction[];
  readonly metricNames?: readonly string[] | undefined;
  trials(states?: readonly ('complete' | 'running' | 'pruned' | 'failed' | 'waiting')[]): readonly FrozenTrial[];
}

/** The objectives' names: the study's metric names, else `objective 0`, `objective 1`, ... */
export function objectiveNames(study: FrontStudy): string[] {
  return study.metricNames ? [...study.metricNames] : study.directions.map((_, i) => `objective ${i}`);
}

/** The front and its hypervolume; `undefined` when no trial is complete and feasible. */
export interface FrontSummary {
  readonly front: (FrozenTrial & { readonly values: readonly number[] })[];
  readonly hypervolume: number;
  readonly reference: number[];
}

/**
 * The study's Pareto front (multi/summary.ts), sorted by its first
 * objective (best first) for display, and its hypervolume.
 *
 * @example frontSummary(study)?.front.map((t) => t.number); // [12, 40, 7]
 */
export function frontSummary(study: FrontStudy): FrontSummary | undefined {
  const summary = summarizeFront(study.trials(['complete']), study.directions);
  if (!summary) return undefined;
  const sign = study.directions[0] === 'maximize' ? -1 : 1;
  const front = [...summary.front].sort((a, b) => sign * (a.values[0] - b.values[0]) || a.number - b.number);
  return { front, reference: summary.reference, hypervolume: summary.hypervolume };
}

/** The front as a table: trial, each objective, test accuracy, parameters. */
export function frontTable(study: FrontStudy, front: readonly (FrozenTrial & { readonly values: readonly number[] })[], limit = Infinity): string {
  const names = objectiveNames(study);
  const params = [...new Set(front.flatMap((t) => Object.keys(t.params)))];
  return table(
    ['trial', ...names.map((n, i) => `${n} (${study.directions[i] === 'maximize' ? 'max' : 'min'})`), 'test acc', ...params],
    front.slice(0, limit).map((t) => [
      String(t.number),
      ...t.values.map(formatValue),
      t.userAttrs.testAccuracy === undefined ? '-' : Number(t.userAttrs.testAccuracy).toFixed(4),
      ...params.map((p) => (t.params[p] === undefined ? '-' : formatParam(t.params[p]))),
    ]),
  );
}

/** A trial's values with their names: `devAccuracy 0.8912, inferenceMs 0.0213`. */
export function describeValues(study: FrontStudy, values: readonly number[]): string {
  const names = objectiveNames(study);
  return values.map((v, i) => `${names[i]} ${formatValue(v)}`).join(', ');
}

/** Four significant digits, without exponent for everyday sizes. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 1000 ? v.toFixed(0) : a >= 1 ? v.toPrecision(5) : a >= 1e-4 ? v.toFixed(4 + Math.max(0, -Math.floor(Math.log10(a)) - 1)) : v.toExponential(3);
}
