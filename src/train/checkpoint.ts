/**
 * A training checkpoint as bytes: the model (weights, buffers, input
 * normalization, architecture) and the optimizer (its configuration, step
 * count and per-parameter moments), in safetensors, so that training resumed
 * from it takes exactly the steps it would have taken. Population-based
 * training, roll-backs and forks store these in the tuner's storage.
 */
import type { FloatArray } from '../backend/tensor.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type SafeTensor } from '../io/safetensors.js';
import type { Network } from '../nn/network.js';
import type { Optimizer } from '../optim/optimizer.js';

export const CHECKPOINT_FORMAT = 'caviar-checkpoint/1';

/** Bytes that are not a checkpoint of this model and optimizer. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/**
 * @example
 *   const bytes = encodeCheckpoint(model, optimizer, { epoch: '3' });
 *   restoreCheckpoint(bytes, model, optimizer, 'checkpoint 12'); // back to the state after epoch 3
 */
export function encodeCheckpoint(model: Network, optimizer: Optimizer, metadata: Record<string, string> = {}): Uint8Array {
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, t] of Object.entries(model.stateDict())) tensors[`model/${name}`] = tensor(t.shape, t.data);
  if (model.inputNormalization) {
    tensors['input/mean'] = tensor([model.inputSize], model.inputNormalization.mean.slice());
    tensors['input/std'] = tensor([model.inputSize], model.inputNormalization.std.slice());
  }
  for (const { name, param } of model.params()) {
    optimizer.stateOf(param)?.forEach((slot, i) => {
      tensors[`optimizer/${name}/${i}`] = tensor([slot.length], slot.slice());
    });
  }
  for (const key of Object.keys(metadata)) {
    if (key.startsWith('caviar.')) throw new RangeError(`checkpoint metadata key '${key}' is reserved`);
  }
  return encodeSafetensors(tensors, {
    ...metadata,
    'caviar.format': CHECKPOINT_FORMAT,
    'caviar.architecture': JSON.stringify(model.config),
    'caviar.optimizer': JSON.stringify(optimizer.toConfig()),
    'caviar.steps': String(optimizer.steps),
  });
}

/**
 * Loads a checkpoint into an existing model and optimizer of the same
 * architecture and optimizer type. The optimizer keeps its current
 * hyperparameters (a person may have changed them on purpose); its moments
 * and step count come from the checkpoint. Returns the checkpoint's metadata.
 */
export function restoreCheckpoint(bytes: Uint8Array, model: Network, optimizer: Optimizer, source: string): Record<string, string> {
  let decoded;
  try {
    decoded = decodeSafetensors(bytes, source);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError(`${source}: not a readable checkpoint: ${e.message}`);
    throw e;
  }
  const { tensors, metadata } = decoded;
  if (metadata['caviar.format'] !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`${source}: not a caviar checkpoint (format ${JSON.stringify(metadata['caviar.format'] ?? null)})`);
  }
  if (metadata['caviar.architecture'] !== JSON.stringify(model.config)) {
    throw new CheckpointError(`${source}: the checkpoint's architecture differs from this model's; a checkpoint only resumes the network it was taken from`);
  }
  const savedType = (JSON.parse(metadata['caviar.optimizer'] ?? '{}') as { type?: string }).type;
  if (savedType !== optimizer.type) {
    throw new CheckpointError(`${source}: the checkpoint was taken with optimizer ${savedType}, this run uses ${optimizer.type}`);
  }
  const weights: Record<string, SafeTensor> = {};
  for (const [name, t] of Object.entries(tensors)) if (name.startsWith('model/')) weights[name.slice(6)] = t;
  try {
    model.loadStateDict(weights, { source });
  } catch (e) {
    throw new CheckpointError((e as Error).message);
  }
  const mean = tensors['input/mean'];
  const std = tensors['input/std'];
  model.setInputNormalization(mean && std ? { mean: mean.data, std: std.data } : null);
  for (const { name, param } of model.params()) {
    const slots: ArrayLike<number>[] = [];
    for (let i = 0; tensors[`optimizer/${name}/${i}`]; i++) slots.push(tensors[`optimizer/${name}/${i}`].data);
    optimizer.restoreState(param, slots);
  }
  optimizer.steps = Number(metadata['caviar.steps'] ?? 0);
  return Object.fromEntries(Object.entries(metadata).filter(([k]) => !k.startsWith('caviar.')));
}

function tensor(shape: readonly number[], data: FloatArray): SafeTensor {
  return data instanceof Float64Array ? { dtype: 'F64', shape, data } : { dtype: 'F32', shape, data };
}
