/**
 * caviar: train neural networks and tune their hyperparameters in TypeScript.
 * This file is the public API and nothing else.
 */
export { Matrix, Workspace, type DType, type FloatArray } from './backend/tensor.js';
export type { ActivationKind, Backend } from './backend/backend.js';
export { ReferenceBackend } from './backend/reference.js';
export { availableBackends, defaultBackend, getBackend } from './backend/index.js';

// Every layer's config type and helper (config.ts holds nothing else), so a new layer needs no line here.
export * from './nn/config.js';
export { Sequential, type InputNormalization, type ModelOptions, type NamedBuffer, type NamedParam } from './nn/model.js';
export { Ensemble } from './nn/ensemble.js';
export type { BufferTensor, Layer, Param } from './nn/layer.js';

export {
  Adam, Momentum, Optimizer, RMSprop, SGD, createOptimizer, createSchedule,
  exponentialDecay, inverseSqrtDecay, inverseTimeDecay, stepDecay,
  type OptimizerConfig, type OptimizerOptions, type Schedule, type ScheduleConfig,
} from './optim/index.js';

export { BestEpoch } from './train/best-epoch.js';
export { fit, type BatchInfo, type EpochInfo, type EpochMetrics, type FitControl, type FitHooks, type FitOptions, type History } from './train/fit.js';
export { evaluate, predict, predictClass, type Evaluation } from './train/evaluate.js';
export { encodeCheckpoint, restoreCheckpoint, CheckpointError } from './train/checkpoint.js';
export type { Inputs, Labels } from './train/inputs.js';
export { gradientCheck, type GradientCheckOptions, type GradientCheckResult, type TensorCheck } from './train/gradient-check.js';
export { runParityCase, runParityFile, type ParityCase, type ParityResult } from './train/parity.js';

export * from './data/index.js';
export { decodeSafetensors, encodeSafetensors, SafetensorsError, type SafeTensor } from './io/safetensors.js';
export {
  decodeModel, decodeSavedModel, encodeModel, loadModel, loadModelWithMetadata, loadSavedModel, saveModel, ModelFileError, MODEL_FORMAT, ENSEMBLE_FORMAT, type SavedModel,
} from './io/model-file.js';
export { exportOnnx, importOnnx, loadOnnx, saveOnnx, OnnxExportError, ONNX_FORMAT, type OnnxExportOptions, type OnnxExportSummary } from './io/onnx/index.js';

export { Rng } from './util/rng.js';

export * from './tune/index.js';
export { parseExperiment, readExperiment, type Experiment, type DataSettings, type TuneSettings } from './experiment/spec.js';
export { applyParams, defaultSpace, defaultSpaceTiers, tiersForBudget, TUNABLE_NAMES } from './experiment/params.js';
export { experimentObjective, experimentSpace, type ExperimentArgs } from './experiment/objective.js';
export { checkModelOrigin, ModelOriginError, modelOrigin, studyIdentity, studyUid, trialModelPath, type StudyIdentity } from './experiment/trial-model.js';
export { checkOutputFile, OutputFileError, type OutputKind, type OutputRule } from './io/output-file.js';
export { Steering, LIVE_PARAMS, pbtScheduler, type Intervention, type SteeringOptions } from './experiment/live.js';
export { ConfigError } from './experiment/problems.js';
