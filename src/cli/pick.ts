/**
 * Which trial `caviar best` exports from a study's Pareto front: `--pick N`
 * names it; `--max NAME=V` and `--min NAME=V` bound objectives (comma
 * separated for several), and the front's trial that meets every bound and
 * is best on the first objective no bound names wins. A single-objective
 * study's best trial needs none of this.
 */
import { isFeasible } from '../tune/multi/constraints.js';
import { dominates } from '../tune/multi/pareto.js';
import type { FrozenTrial } from '../tune/types.js';
import { describeValues, objectiveNames, type FrontStudy } from './front.js';
import { NothingToExport, UsageError } from './output.js';

/** One bound of `--max` or `--min`: objective `index` at most (or at least) `value`. */
export interface Bound {
  readonly index: number;
  readonly name: string;
  readonly op: '<=' | '>=';
  readonly value: number;
}

/**
 * The bounds of `--max A=1,B=2` (op `<=`) or `--min A=0.9` (op `>=`), checked
 * against the study's objective names.
 *
 * @example parseBounds('--max', 'inferenceMs=2', ['devAccuracy', 'inferenceMs']); // [{ index: 1, name: 'inferenceMs', op: '<=', value: 2 }]
 */
export function parseBounds(flag: '--max' | '--min', text: string, names: readonly string[]): Bound[] {
  return text.split(',').map((part) => {
    const m = /^\s*([^=\s]+)\s*=\s*(\S+)\s*$/.exec(part);
    const value = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(value)) throw new UsageError(`${flag}: expected NAME=NUMBER (for example ${flag} ${names[names.length - 1]}=2), got '${part}'`);
    const index = names.indexOf(m[1]);
    if (index < 0) throw new UsageError(`${flag}: '${m[1]}' is not an objective of this study; its objectives are ${names.join(', ')}`);
    return { index, name: m[1], op: flag === '--max' ? '<=' : '>=', value };
  });
}

/**
 * The trial to export: trial `pick` (any complete trial), or the best front
 * trial within `bounds`. A multi-objective study with neither is a usage
 * error that shows the way.
 */
export function pickTrial(study: FrontStudy & { readonly name: string }, front: readonly FrozenTrial[], pick: number | undefined, bounds: readonly Bound[]): { trial: FrozenTrial; note: string } {
  if (pick !== undefined) {
    const trial = study.trials().find((t) => t.number === pick);
    if (!trial) throw new UsageError(`--pick ${pick}: study '${study.name}' has no trial ${pick}`);
    if (trial.state !== 'complete') throw new NothingToExport(`--pick ${pick}: trial ${pick} is ${trial.state}, not complete: it has no model to export`);
    if (!isFeasible(trial)) return { trial, note: `infeasible: its constraints ${JSON.stringify(trial.constraints)} are not all <= 0` };
    if (front.includes(trial) || trial.values === undefined) return { trial, note: front.includes(trial) ? 'on the Pareto front' : '' };
    const better = front.find((f) => dominates(f.values!, trial.values!, study.directions));
    return { trial, note: `not on the Pareto front: trial ${better?.number} is at least as good in every objective` };
  }
  if (study.directions.length > 1 && bounds.length === 0) {
    throw new UsageError(
      `study '${study.name}' has ${study.directions.length} objectives (${objectiveNames(study).join(', ')}): choose a trial of its Pareto front ` +
        `with --pick TRIAL, or bound objectives with --max NAME=V / --min NAME=V; 'caviar show ${study.name}' lists the front`,
    );
  }
  const within = front.filter((t) => bounds.every((b) => (b.op === '<=' ? t.values![b.index] <= b.value : t.values![b.index] >= b.value)));
  const names = objectiveNames(study);
  if (within.length === 0) {
    const shown = front.slice(0, 8).map((t) => `trial ${t.number}: ${describeValues(study, t.values!)}`).join('; ');
    throw new NothingToExport(`no trial of the front meets ${bounds.map((b) => `${b.name} ${b.op} ${b.value}`).join(' and ')} (front: ${shown})`);
  }
  const bounded = new Set(bounds.map((b) => b.index));
  const by = study.directions.findIndex((_, i) => !bounded.has(i));
  const k = by < 0 ? 0 : by;
  const sign = study.directions[k] === 'maximize' ? -1 : 1;
  const trial = [...within].sort((a, b) => sign * (a.values![k] - b.values![k]) || a.number - b.number)[0];
  return { trial, note: `the best ${names[k]} of the ${within.length} front trial${within.length === 1 ? '' : 's'} within the bounds` };
}
