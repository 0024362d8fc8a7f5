/**
 * Search spaces: distributions and their scales, and the declarative
 * (JSON/YAML) form with conditional parameters.
 *
 * @example
 *   import { floatParam, fromUnit } from './space/index.js';
 *   fromUnit(floatParam(1e-4, 1, { scale: 'log' }), 0.25); // 0.001
 */
export {
  DistributionError,
  categorical,
  choiceKey,
  distributionContains,
  distributionProblems,
  floatParam,
  intParam,
  isParamValue,
  type DistributionProblem,
} from './distributions.js';
export {
  choiceIndex,
  describeScale,
  fromInternal,
  fromUnit,
  internalRange,
  toInternal,
  unscale,
  type InternalRange,
  type NumericDistribution,
} from './scale.js';
export { narrowParam, type CategoricalRegion, type NarrowOptions, type NumericRegion, type Region } from './narrow.js';
export {
  SpaceError,
  conditionHolds,
  parseSpace,
  sampleSpace,
  spaceDistributions,
  type ConditionSpec,
  type ParamSpec,
  type ParamSuggester,
  type Space,
  type SpaceParam,
  type SpaceSpec,
} from './declarative.js';
