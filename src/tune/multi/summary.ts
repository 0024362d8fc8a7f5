/**
 * What every view of a multi-objective study reports, computed once: the
 * names of its objectives, and its Pareto front with the hypervolume from
 * the default reference point (reference.ts). `caviar show`, `caviar tune`'s
 * summary and the dashboard all read these, so they cannot disagree.
 */
import type { Direction } from '../types.js';
import { studyHypervolume } from './hypervolume.js';
import { isOnFrontCandidate, paretoFront, type Vectored } from './pareto.js';
import { nadirReference } from './reference.js';

/**
 * The objectives' names a study recorded (system attribute `metricNames`, one
 * per direction), or undefined when it recorded none that fit.
 *
 * @example recordedMetricNames(['maximize', 'minimize'], { metricNames: ['devAccuracy', 'inferenceMs'] }); // ['devAccuracy', 'inferenceMs']
 */
export function recordedMetricNames(directions: readonly Direction[], systemAttrs: Readonly<Record<string, unknown>>): string[] | undefined {
  const names = systemAttrs.metricNames;
  return Array.isArray(names) && names.length === directions.length && names.every((n) => typeof n === 'string') ? [...(names as string[])] : undefined;
}

/** The objectives' names: the recorded ones, else `objective 0`, `objective 1`, ... */
export function objectiveNames(directions: readonly Direction[], systemAttrs: Readonly<Record<string, unknown>>): string[] {
  return recordedMetricNames(directions, systemAttrs) ?? directions.map((_, i) => `objective ${i}`);
}

/** A study's front, its hypervolume and the reference point it is measured from. */
export interface FrontSummary<T extends Vectored> {
  readonly front: (T & { readonly values: readonly number[] })[];
  /** The complete, feasible trials the reference point was taken from. */
  readonly feasible: (T & { readonly values: readonly number[] })[];
  readonly reference: number[];
  readonly hypervolume: number;
}

/**
 * The front (in trial-number order) of the complete feasible trials among
 * `trials`, with its hypervolume; undefined when there is none.
 *
 * @example summarizeFront(study.trials(), study.directions)?.hypervolume; // 0.01143
 */
export function summarizeFront<T extends Vectored>(trials: Iterable<T>, directions: readonly Direction[]): FrontSummary<T> | undefined {
  const feasible = [...trials].filter((t): t is T & { readonly values: readonly number[] } => isOnFrontCandidate(t, directions));
  if (feasible.length === 0) return undefined;
  const reference = nadirReference(feasible.map((t) => t.values), directions);
  const front = paretoFront(feasible, directions);
  return { front, feasible, reference, hypervolume: studyHypervolume(front.map((t) => t.values), directions, reference) };
}
