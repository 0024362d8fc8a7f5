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
import { Ensemble } from '../nn/ensemble.js';
import { Sequential } from '../nn/model.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type SafeTensor } from './safetensors.js';

export const MODEL_FORMAT = 'caviar-model/1';
/**
 * An ensemble's file: each member's tensors under `m<k>.` (`m0.0.weight`,
 * `m0.input.mean`, ...), and in the metadata `caviar.members`, a JSON list of
 * `{ architecture, seed, weight }`. A format of its own, so that a caviar
 * that predates ensembles says "upgrade" instead of misreading it.
 */
export const ENSEMBLE_FORMAT = 'caviar-ensemble/1';

/** What a model file holds: one network, or an ensemble of them. */
export type SavedModel = Sequential | Ensemble;

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

/**
 * The model (or ensemble) as bytes. `metadata` (string values) is kept in
 * the header, e.g. the study and trial it came from.
 */
export function encodeModel(model: SavedModel, metadata: Record<string, string> = {}): Uint8Array {
  for (const key of Object.keys(metadata)) {
    if (key.startsWith('caviar.')) throw new RangeError(`metadata key '${key}' is reserved (caviar.* keys are written by caviar)`);
  }
  if (model instanceof Ensemble) {
    const tensors: Record<string, SafeTensor> = {};
    model.members.forEach((member, k) => {
      for (const [name, t] of Object.entries(networkTensors(member))) tensors[`m${k}.${name}`] = t;
    });
    const members = model.members.map((m, k) => ({ architecture: m.config, seed: m.seed, weight: model.weights[k] }));
    return encodeSafetensors(tensors, { ...metadata, 'caviar.format': ENSEMBLE_FORMAT, 'caviar.members': JSON.stringify(members) });
  }
  return encodeSafetensors(networkTensors(model), {
    ...metadata,
    'caviar.format': MODEL_FORMAT,
    'caviar.architecture': JSON.stringify(model.config),
    'caviar.seed': String(model.seed),
  });
}

/** One network's tensors by state-dict name, with `input.mean` / `input.std` when it normalizes its inputs. */
function networkTensors(model: Sequential): Record<string, SafeTensor> {
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, t] of Object.entries(model.stateDict())) {
    tensors[name] = { dtype: 'F32', shape: t.shape, data: Float32Array.from(t.data) };
  }
  if (model.inputNormalization) {
    const n = model.inputSize;
    tensors['input.mean'] = { dtype: 'F32', shape: [n], data: model.inputNormalization.mean.slice() };
    tensors['input.std'] = { dtype: 'F32', shape: [n], data: model.inputNormalization.std.slice() };
  }
  return tensors;
}

/**
 * Rebuilds a single network from bytes; every problem names `source`. An
 * ensemble's file is refused with a message that says so: read it with
 * {@link decodeSavedModel}.
 */
export function decodeModel(bytes: Uint8Array, source: string, options: { backend?: Backend } = {}): { model: Sequential; metadata: Record<string, string> } {
  const { model, metadata } = decodeSavedModel(bytes, source, options);
  if (model instanceof Ensemble) {
    throw new ModelFileError(source, `an ensemble of ${model.members.length} networks, not a single one: read it with loadSavedModel (caviar predict and caviar export take it as it is)`);
  }
  return { model, metadata };
}

/**
 * Rebuilds what a model file holds, a network or an ensemble; every problem
 * names `source`.
 *
 * @example
 *   const { model } = decodeSavedModel(readFileSync('best.safetensors'), 'best.safetensors');
 *   model.predict(x); // Sequential or Ensemble alike
 */
export function decodeSavedModel(bytes: Uint8Array, source: string, options: { backend?: Backend } = {}): { model: SavedModel; metadata: Record<string, string> } {
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
  const userMetadata = Object.fromEntries(Object.entries(metadata).filter(([k]) => !k.startsWith('caviar.')));
  if (format === ENSEMBLE_FORMAT) return { model: decodeEnsemble(tensors, metadata, source, options), metadata: userMetadata };
  if (format !== MODEL_FORMAT) {
    throw new ModelFileError(source, `model format '${format}' is not one this version reads (${MODEL_FORMAT}, ${ENSEMBLE_FORMAT}); upgrade caviar`);
  }
  let config: ModelConfig;
  try {
    config = JSON.parse(metadata['caviar.architecture'] ?? '');
  } catch {
    throw new ModelFileError(source, 'the architecture in the metadata (caviar.architecture) is not valid JSON');
  }
  const model = network(config, Number(metadata['caviar.seed'] ?? 0), tensors, source, '', options);
  return { model, metadata: userMetadata };
}

/** One network from its architecture and its tensors (named with `prefix`); problems name `source` and, in an ensemble, the member. */
function network(
  config: ModelConfig, seed: number, tensors: Record<string, SafeTensor>, source: string, member: string, options: { backend?: Backend },
): Sequential {
  let model: Sequential;
  try {
    model = new Sequential(config, { seed, ...(options.backend ? { backend: options.backend } : {}) });
  } catch (err) {
    throw new ModelFileError(source, `${member}the architecture is invalid: ${(err as Error).message}`);
  }
  const { 'input.mean': mean, 'input.std': std, ...weights } = tensors;
  try {
    model.loadStateDict(weights, { source: 'weights' });
    if (mean || std) {
      if (!mean || !std) throw new Error('input normalization needs both input.mean and input.std');
      model.setInputNormalization({ mean: mean.data, std: std.data });
    }
  } catch (err) {
    throw new ModelFileError(source, `${member}the weights do not match the architecture: ${(err as Error).message}`);
  }
  return model;
}

function decodeEnsemble(tensors: Record<string, SafeTensor>, metadata: Record<string, string>, source: string, options: { backend?: Backend }): Ensemble {
  let members: { architecture: ModelConfig; seed: number; weight: number }[];
  try {
    members = JSON.parse(metadata['caviar.members'] ?? '');
  } catch {
    throw new ModelFileError(source, 'the ensemble members in the metadata (caviar.members) are not valid JSON');
  }
  if (!Array.isArray(members) || members.length === 0) throw new ModelFileError(source, 'caviar.members must be a non-empty list of members');
  const byMember: Record<string, SafeTensor>[] = members.map(() => ({}));
  for (const [name, t] of Object.entries(tensors)) {
    const m = /^m(\d+)\.(.+)$/.exec(name);
    const k = m ? Number(m[1]) : -1;
    if (!m || k >= members.length) throw new ModelFileError(source, `tensor '${name}' belongs to no member of the ensemble (it has ${members.length})`);
    byMember[k][m[2]] = t;
  }
  const nets = members.map((m, k) => {
    if (typeof m !== 'object' || m === null) throw new ModelFileError(source, `caviar.members[${k}] is not a member`);
    return network(m.architecture, Number(m.seed ?? 0), byMember[k], source, `member ${k}: `, options);
  });
  try {
    return new Ensemble(nets, members.map((m) => Number(m.weight)));
  } catch (err) {
    throw new ModelFileError(source, (err as Error).message);
  }
}

/**
 * Writes the model to `path` atomically (a temporary file, then a rename), so
 * a crash never leaves a half-written model where a good one was.
 */
export function saveModel(model: SavedModel, path: string, metadata: Record<string, string> = {}): void {
  writeFileAtomically(path, encodeModel(model, metadata));
}

/** Reads a model written by {@link saveModel}. */
export function loadModel(path: string, options: { backend?: Backend } = {}): Sequential {
  return loadModelWithMetadata(path, options).model;
}

/**
 * Reads what a model file holds, a network or an ensemble, with its metadata.
 *
 * @example const { model, metadata } = loadSavedModel('best.safetensors'); model.predict(x);
 */
export function loadSavedModel(path: string, options: { backend?: Backend } = {}): { model: SavedModel; metadata: Record<string, string> } {
  return decodeSavedModel(readModelBytes(path), path, options);
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
