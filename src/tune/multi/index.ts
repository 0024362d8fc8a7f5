/**
 * Multi-objective studies' shared rules: dominance and the front
 * (pareto.ts), constraints (constraints.ts), objectives as losses
 * (objectives.ts), non-dominated sorting (sort.ts), crowding distance
 * (crowding.ts) and hypervolume (hypervolume.ts). Samplers (NSGA-II,
 * multi-objective TPE), the dominance pruner, `study.bestTrials` and the
 * dashboard all build on these.
 *
 * @example
 *   import { hypervolume, nonDominatedSort } from './multi/index.js';
 *   nonDominatedSort([[1, 4], [2, 2], [3, 3]]); // [[0, 1], [2]]
 *   hypervolume([[1, 3], [2, 2], [3, 1]], [4, 4]); // 6
 */
export { isFeasible, violation, type Constrained } from './constraints.js';
export { nadirReference } from './reference.js';
export { objectiveNames, recordedMetricNames, summarizeFront, type FrontSummary } from './summary.js';
export { dominates, paretoFront, isOnFrontCandidate, type Vectored } from './pareto.js';
export { directionsOf, toLosses, trialLosses } from './objectives.js';
export { lossDominates, constrainedDominates, nonDominatedSort, nonDominatedRanks } from './sort.js';
export { crowdingDistances } from './crowding.js';
export { hypervolume, studyHypervolume, hypervolumeContributions, greedyHypervolumeSubset } from './hypervolume.js';
