/** The tuner's public surface: studies and trials, spaces, samplers, pruners, storages. */
export type { CategoricalDistribution, Direction, Distribution, FloatDistribution, FloatScale, FrozenTrial, IntDistribution, ParamValue, Pruner, Sampler, StudyView, TrialState } from './types.js';
export { createStudy, loadStudy, Study, type CreateStudyOptions, type LoadStudyOptions, type Objective, type StudyOptions, type TellResult } from './study.js';
export { TrialPruned, isTrialPruned, type SuggestFloatOptions, type SuggestIntOptions, type Trial, type TrialLink } from './trial.js';
export { TrialController, forkTrial, trialOrigin, type TrialOrigin } from './control.js';
export { PopulationBasedTraining, ScheduleCompleteError, pbtSegment, type PbtOptions, type PbtSegment, type Scheduler, type SchedulePlan } from './pbt.js';
export { TooManyFailuresError, type ObjectiveModule, type OptimizeOptions } from './executor.js';
export { studyToJson, trialsToCsv, type StudyJson, type TrialJson } from './export.js';
export * from './space/index.js';
export * from './samplers/index.js';
export * from './pruners/index.js';
export type {
  Checkpoint,
  CheckpointInfo,
  CommandKind,
  CommandOutcome,
  CommandRecord,
  CommandState,
  EnqueuedTrial,
  NewCheckpoint,
  NewCommand,
  SaveCheckpointOptions,
  Storage,
  StudyRecord,
} from './storage/storage.js';
export { MemoryStorage } from './storage/memory.js';
export { SqliteStorage } from './storage/sqlite.js';
export {
  DistributionConflictError,
  RecordNotFoundError,
  SchemaVersionError,
  StorageError,
  StudyNotFoundError,
  TrialFinishedError,
} from './storage/errors.js';
export { parameterImportance, parameterImportanceRecord, ImportanceError, type ImportanceOptions, type ParamImportance } from './importance/importance.js';
