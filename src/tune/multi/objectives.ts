/**
 * A study's objectives as samplers and pruners read them: its directions,
 * and each trial's values turned into losses (lower is better in every
 * objective), so that sorting, crowding and hypervolume need one rule only.
 */
import type { Direction, FrozenTrial, StudyView } from '../types.js';

/**
 * The study's directions, one per objective. A view that predates
 * multi-objective studies (a hand-made one in a test) has only `direction`.
 *
 * @example
 *   directionsOf(study); // ['maximize', 'minimize']
 */
export function directionsOf(study: Pick<StudyView, 'direction'> & { readonly directions?: readonly Direction[] }): readonly Direction[] {
  const d = study.directions;
  return d !== undefined && d.length > 0 ? d : [study.direction];
}

/**
 * A value vector as losses: maximized objectives negated.
 *
 * @example
 *   toLosses([0.9, 12], ['maximize', 'minimize']); // [-0.9, 12]
 */
export function toLosses(values: readonly number[], directions: readonly Direction[]): number[] {
  return values.map((v, i) => (directions[i] === 'maximize' ? -v : v));
}

/**
 * A complete trial's objective values as losses, or null when it has none
 * usable (not complete, wrong length, a value not finite). A single-objective
 * study's trial gives its `value` as a vector of one.
 *
 * @example
 *   trialLosses(trial, ['maximize', 'minimize']); // [-0.91, 3.2]
 */
export function trialLosses(trial: FrozenTrial, directions: readonly Direction[]): number[] | null {
  if (trial.state !== 'complete') return null;
  const values = directions.length === 1 && trial.values === undefined ? (trial.value === undefined ? undefined : [trial.value]) : trial.values;
  if (values === undefined || values.length !== directions.length) return null;
  for (const v of values) if (!Number.isFinite(v)) return null;
  return toLosses(values, directions);
}
