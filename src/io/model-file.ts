/**
 * The model file: one safetensors file (a JSON header, then raw
 * little-endian float32), so Python tools can read caviar's weights with
 * `safetensors.numpy.load_file`. Tensors are named like PyTorch's state_dict
 * (`0.weight`, `1.running_mean`, ...) plus `input.mean` / `input.std` for the
 * input normalization; the header's metadata holds the architecture.
 *
 * @example
 *   await saveModel(model, 'out/model.safetensors', { dataset: 'spirals' });
 *   const again = loadModel('out/model.safetensors');
 *   again.predict(x); // the same probabilities, bit for bit
 */
import { readFileSync } from 'node:fs';
import { readFileHead } from '../util/file-head.js';
import { writeFileAtomically } from '../util/atomic-write.js';
import type { Backend } from '../backend/backend.js';
import type { ModelConfig } from '../nn/config.js';
import { Sequential } from '../nn/model.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type SafeTensor } from './safetensors.js';

export const MODEL_FORMAT = 'caviar-model/1';

/** A file that is not a caviar model, is damaged, or does not match its architecture. */
export class ModelFileError extends Error {
  constructor(
    readonly source: string,
    problem: string,
  ) {
    super(`${source}: ${problem}`);
    this.name = 'ModelFileError';
  }
}

/** The model as bytes. `metadata` (string values) is kept in the header, e.g. the study and trial it came from. */
export function encodeModel(model: Sequential, metadata: Record<string, string> = {}): Uint8Array {
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, t] of Object.entries(model.stateDict())) {
    tensors[name] = { dtype: 'F32', shape: t.shape, data: Float32Array.from(t.data) };
  }
  if (model.inputNormalization) {
    const n = model.inputSize;
    tensors['input.mean'] = { dtype: 'F32', shape: [n], data: model.inputNormalization.mean.slice() };
    tensors['input.std'] = { dtype: 'F32', shape: [n], data: model.inputNormalization.std.slice() };
  }
  for (const key of Object.keys(metadata)) {
    if (key.startsWith('caviar.')) throw new RangeError(`metadata key '${key}' is reserved (caviar.* keys are written by caviar)`);
  }
  return encodeSafetensors(tensors, {
    ...metadata,
    'caviar.format': MODEL_FORMAT,
    'caviar.architecture': JSON.stringify(model.config),
    'caviar.seed': String(model.seed),
  });
}

/** Rebuilds a model from bytes; every problem names `source`. */
export function decodeModel(bytes: Uint8Array, source: string, options: { backend?: Backend } = {}): { model: Sequential; metadata: Record<string, string> } {
  let decoded;
  try {
    decoded = decodeSafetensors(bytes, source);
  } catch (err) {
    if (err instanceof SafetensorsError) throw new ModelFileError(source, `not a readable model file: ${err.message.slice(source.length + 2)}`);
    throw err;
  }
  const { tensors, metadata } = decoded;
  const format = metadata['caviar.format'];
  if (format === undefined) throw new ModelFileError(source, 'a safetensors file, but not a caviar model (no caviar.format in its metadata)');
  if (format !== MODEL_FORMAT) {
    throw new ModelFileError(source, `model format '${format}' is not one this version reads (${MODEL_FORMAT}); upgrade caviar`);
  }
  let config: ModelConfig;
  try {
    config = JSON.parse(metadata['caviar.architecture'] ?? '');
  } catch {
    throw new ModelFileError(source, 'the architecture in the metadata (caviar.architecture) is not valid JSON');
  }
  let model: Sequential;
  try {
    model = new Sequential(config, { seed: Number(metadata['caviar.seed'] ?? 0), ...(options.backend ? { backend: options.backend } : {}) });
  } catch (err) {
    throw new ModelFileError(source, `the architecture is invalid: ${(err as Error).message}`);
  }
  const { 'input.mean': mean, 'input.std': std, ...weights } = tensors;
  try {
    model.loadStateDict(weights, { source: 'weights' });
    if (mean || std) {
      if (!mean || !std) throw new Error('input normalization needs both input.mean and input.std');
      model.setInputNormalization({ mean: mean.data, std: std.data });
    }
  } catch (err) {
    throw new ModelFileError(source, `the weights do not match the architecture: ${(err as Error).message}`);
  }
  const userMetadata = Object.fromEntries(Object.entries(metadata).filter(([k]) => !k.startsWith('caviar.')));
  return { model, metadata: userMetadata };
}

/**
 * Writes the model to `path` atomically (a temporary file, then a rename), so
 * a crash never leaves a half-written model where a good one was.
 */
export function saveModel(model: Sequential, path: string, metadata: Record<string, string> = {}): void {
  writeFileAtomically(path, encodeModel(model, metadata));
}

/** Reads a model written by {@link saveModel}. */
export function loadModel(path: string, options: { backend?: Backend } = {}): Sequential {
  return loadModelWithMetadata(path, options).model;
}

/** Reads a model and the metadata it was saved with. */
export function loadModelWithMetadata(path: string, options: { backend?: Backend } = {}): { model: Sequential; metadata: Record<string, string> } {
  return decodeModel(readModelBytes(path), path, options);
}

/** A model file's bytes; a missing or unreadable file is a `ModelFileError` naming it. */
export function readModelBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelFileError(path, code === 'ENOENT' ? 'no such file' : `cannot read: ${code ?? (err as Error).message}`);
  }
}

/**
 * The metadata in a safetensors file's header, `caviar.*` keys included,
 * reading the header alone (not the weights); undefined when the file is not
 * a safetensors file or cannot be read. For a quick look at where a model
 * came from; `loadModelWithMetadata` checks the whole file.
 *
 * @example
 *   readModelHeader('caviar-out/quickstart/model.safetensors')?.['caviar.format']; // 'caviar-model/1'
 */
export function readModelHeader(path: string): Record<string, string> | undefined {
  const head = readFileHead(path, 8);
  if (head.length < 8) return undefined;
  const length = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
  // A caviar header is a few kilobytes; 100 MB is far beyond any real one and keeps a stray file from costing memory.
  if (length < 2n || length > 100_000_000n) return undefined;
  const bytes = readFileHead(path, 8 + Number(length)).subarray(8);
  if (bytes.length !== Number(length)) return undefined;
  try {
    const header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as { __metadata__?: unknown };
    if (typeof header !== 'object' || header === null || Array.isArray(header)) return undefined;
    const meta = header.__metadata__;
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return {};
    return Object.fromEntries(Object.entries(meta).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  } catch {
    return undefined;
  }
}
