/**
 * NSGA-II's generations, formed from the study alone so that every worker
 * forms the same ones (as Optuna does): the complete trials with usable
 * values, in trial-number order, cut into generations of `populationSize`.
 * The parents of generation g + 1 are the elite of generation g together
 * with the parents of generation g: the best `populationSize` of them by
 * non-dominated rank (Deb's constrained domination when trials carry
 * constraints), the last front cut by crowding distance, widest first.
 * Trials still running belong to no generation; a generation is formed only
 * once it is full, so until the first one is, there are no parents (and the
 * sampler draws at random).
 *
 * Each generation's elite is cached under the ids of the trials that formed
 * it: a new trial costs one elite selection per new generation, not a
 * replay of the study.
 */
import type { Direction, FrozenTrial, StudyView } from '../../types.js';
import { violation } from '../../multi/constraints.js';
import { trialLosses } from '../../multi/objectives.js';
import { nonDominatedSort } from '../../multi/sort.js';
import { crowdingDistances } from '../../multi/crowding.js';

/** A member of a parent population, with what the tournament compares. */
export interface Individual {
  readonly trial: FrozenTrial;
  /** Objective values as losses (lower is better in each). */
  readonly losses: readonly number[];
  /** Sum of positive constraint values; 0 when feasible. */
  readonly violation: number;
  /** Non-dominated front among the candidates it was selected from (0 = best). */
  readonly rank: number;
  /** Crowding distance within that front. */
  readonly crowding: number;
}

interface Candidate {
  readonly trial: FrozenTrial;
  readonly losses: readonly number[];
  readonly violation: number;
}

/**
 * The best `size` candidates, each with its rank and crowding distance.
 *
 * @example
 *   selectElite(candidates, 50).map((i) => i.trial.number);
 */
export function selectElite(candidates: readonly Candidate[], size: number): Individual[] {
  const hasConstraints = candidates.some((c) => c.violation !== 0);
  const fronts = nonDominatedSort(
    candidates.map((c) => c.losses),
    hasConstraints ? candidates.map((c) => c.violation) : undefined,
  );
  const elite: Individual[] = [];
  for (let rank = 0; rank < fronts.length && elite.length < size; rank++) {
    const front = fronts[rank];
    const crowding = crowdingDistances(front.map((i) => candidates[i].losses));
    const members = front.map((i, k) => ({ ...candidates[i], rank, crowding: crowding[k] }));
    if (elite.length + members.length > size) {
      // Widest first; ties to the earlier trial, so the cut does not depend on input order.
      members.sort((a, b) => b.crowding - a.crowding || a.trial.number - b.trial.number);
      members.length = size - elite.length;
    }
    elite.push(...members);
  }
  return elite;
}

/**
 * The parents for the next trial, generation by generation, cached per study.
 *
 * @example
 *   const generations = new Generations(50);
 *   generations.parents(study); // [] until 50 trials are complete
 */
export class Generations {
  private readonly cache = new WeakMap<StudyView, { keys: string[]; elites: Individual[][] }>();

  constructor(readonly populationSize: number) {}

  /** The current parent population (empty before the first generation is full) and its generation number (-1 then). */
  parents(study: StudyView, directions: readonly Direction[]): { generation: number; population: readonly Individual[] } {
    const usable: Candidate[] = [];
    for (const trial of study.trials(['complete'])) {
      const losses = trialLosses(trial, directions);
      if (losses !== null) usable.push({ trial, losses, violation: violation(trial) });
    }
    let cached = this.cache.get(study);
    if (cached === undefined) {
      cached = { keys: [], elites: [] };
      this.cache.set(study, cached);
    }
    const size = this.populationSize;
    const full = Math.floor(usable.length / size);
    let parents: readonly Individual[] = [];
    for (let g = 0; g < full; g++) {
      const members = usable.slice(g * size, (g + 1) * size);
      const key = members.map((c) => c.trial.id).join(',');
      if (cached.keys[g] !== key) {
        // A trial finished late, out of number order: this generation and all later ones change.
        cached.keys.length = g;
        cached.elites.length = g;
        cached.keys.push(key);
        cached.elites.push(selectElite([...members, ...parents], size));
      }
      parents = cached.elites[g];
    }
    return { generation: full - 1, population: parents };
  }
}
