/**
 * A caviar model as an ONNX file, for ONNX Runtime and every other runtime
 * that reads the format. The graph takes raw inputs, exactly as
 * `caviar predict` does (the input normalization fitted at training is part
 * of it), and returns class probabilities:
 *
 *   input          float32 [batch, features]    (batch is dynamic)
 *   probabilities  float32 [batch, classes]
 *
 * The metadata (ModelProto.metadata_props) carries the architecture, the
 * model file's own metadata (class names, the experiment, study and trial it
 * came from, the trial's parameters) and `caviar.format`, which
 * `caviar import` needs to read the file back.
 *
 * @example
 *   const { model, metadata } = loadModelWithMetadata('caviar-out/model.safetensors');
 *   saveOnnx(model, 'model.onnx', { metadata, foldBatchNorm: true });
 *   // Python: onnxruntime.InferenceSession('model.onnx').run(None, {'input': x})[0]
 */
import { readFileSync } from 'node:fs';
import { Ensemble } from '../../nn/ensemble.js';
import type { Sequential } from '../../nn/model.js';
import { writeFileAtomically } from '../../util/atomic-write.js';
import { buildGraph, inferenceNetwork, INPUT_NAME, IR_VERSION, OPSET_VERSION, OUTPUT_NAME, unsupportedPart } from './graph.js';
import { DATA_TYPE, encodeModelProto, type OnnxGraph } from './onnx-proto.js';

/** `caviar.format` in the metadata of every ONNX file caviar writes. */
export const ONNX_FORMAT = 'caviar-onnx/1';

export interface OnnxExportOptions {
  /**
   * Fold each batch norm into the dense layer before it (fewer nodes; the
   * probabilities agree with the unfolded model to within about 1e-6). Default
   * false: batch norm is a BatchNormalization node with the running statistics.
   */
  foldBatchNorm?: boolean;
  /**
   * String metadata to keep in the file, e.g. the metadata the model file was
   * saved with (`classNames`, `experiment`, `study`, `trial`, `params`).
   * Keys starting with `caviar.` are reserved.
   */
  metadata?: Record<string, string>;
}

/** What an export wrote. */
export interface OnnxExportSummary {
  readonly bytes: number;
  readonly nodes: number;
  /** Batch norms folded into a dense layer (with `foldBatchNorm`). */
  readonly foldedBatchNorms: number;
  /** Batch norms left as BatchNormalization nodes although folding was asked for: no dense layer before them. */
  readonly keptBatchNorms: number;
}

/** A model that cannot be written as ONNX without changing what it computes. */
export class OnnxExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxExportError';
  }
}

/**
 * The model as ONNX bytes (a serialized ModelProto, opset 13).
 *
 * @example
 *   const bytes = exportOnnx(model, { foldBatchNorm: true, metadata: { classNames: JSON.stringify(names) } });
 */
export function exportOnnx(model: Sequential | Ensemble, options: OnnxExportOptions = {}): Uint8Array {
  return exportWithSummary(model, options).bytes;
}

/**
 * Writes the model as ONNX to `path`, atomically: nothing is written when
 * the model cannot be exported.
 *
 * @example
 *   saveOnnx(model, 'out/model.onnx'); // { bytes: 210345, nodes: 7, foldedBatchNorms: 0, keptBatchNorms: 0 }
 */
export function saveOnnx(model: Sequential | Ensemble, path: string, options: OnnxExportOptions = {}): OnnxExportSummary {
  const { bytes, summary } = exportWithSummary(model, options);
  writeFileAtomically(path, bytes);
  return summary;
}

function exportWithSummary(model: Sequential | Ensemble, options: OnnxExportOptions): { bytes: Uint8Array; summary: OnnxExportSummary } {
  const members = model instanceof Ensemble ? model.members : [model];
  members.forEach((m, k) => {
    const problem = unsupportedPart(m.config);
    if (problem) throw new OnnxExportError(`cannot export to ONNX: ${model instanceof Ensemble ? `member ${k}: ` : ''}${problem}`);
  });
  const metadata = options.metadata ?? {};
  for (const [key, value] of Object.entries(metadata)) {
    if (key.startsWith('caviar.')) throw new RangeError(`metadata key '${key}' is reserved (caviar.* keys are written by caviar)`);
    if (typeof value !== 'string') throw new TypeError(`metadata '${key}' must be a string, got ${typeof value}`);
  }
  const foldBatchNorm = options.foldBatchNorm ?? false;
  const built = model instanceof Ensemble ? ensembleGraph(model, foldBatchNorm) : networkGraph(model, foldBatchNorm);
  const { graph, folded, kept } = built;
  const classes = model.classes;
  const bytes = encodeModelProto({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET_VERSION }],
    producerName: 'caviar',
    producerVersion: caviarVersion(),
    docString:
      `${model instanceof Ensemble ? `An ensemble of ${model.members.length} caviar networks (the weighted mean of their probabilities)` : 'A caviar network'} in eval mode. ` +
      `Input '${INPUT_NAME}': float32 [batch, ${model.inputSize}], raw features ` +
      `(${built.normalized ? 'the graph normalizes them as at training' : 'the model uses them as they are'}). ` +
      `Output '${OUTPUT_NAME}': float32 [batch, ${classes}], the probability of each class.`,
    graph,
    metadataProps: [
      { key: 'caviar.format', value: ONNX_FORMAT },
      ...built.metadata,
      { key: 'caviar.foldBatchNorm', value: String(foldBatchNorm) },
      ...Object.entries(metadata).map(([key, value]) => ({ key, value })),
    ],
  });
  return { bytes, summary: { bytes: bytes.length, nodes: graph.nodes.length, foldedBatchNorms: folded, keptBatchNorms: kept } };
}

interface BuiltGraph {
  graph: OnnxGraph;
  folded: number;
  kept: number;
  normalized: boolean;
  /** The `caviar.*` metadata that describes the graph (architecture, seed; members for an ensemble). */
  metadata: { key: string; value: string }[];
}

function networkGraph(model: Sequential, foldBatchNorm: boolean): BuiltGraph {
  const { network, folded, kept } = inferenceNetwork(model, { foldBatchNorm });
  return {
    graph: buildGraph(network), folded, kept, normalized: network.tensors.has('input.mean'),
    metadata: [
      { key: 'caviar.architecture', value: JSON.stringify(network.config) },
      ...(folded > 0 ? [{ key: 'caviar.trainedArchitecture', value: JSON.stringify(model.config) }] : []),
      { key: 'caviar.seed', value: String(model.seed) },
    ],
  };
}

/**
 * One graph for the whole ensemble: each member's subgraph on the shared
 * input (its names prefixed `m<k>.`), its probabilities scaled by its weight
 * (Mul), and the scaled tables added (Sum) into `probabilities`.
 */
function ensembleGraph(ensemble: Ensemble, foldBatchNorm: boolean): BuiltGraph {
  const graph: OnnxGraph = { name: 'caviar-ensemble', nodes: [], initializers: [], inputs: [], outputs: [] };
  let folded = 0;
  let kept = 0;
  let normalized = false;
  const members: { architecture: unknown; seed: number; weight: number }[] = [];
  const scaled: string[] = [];
  ensemble.members.forEach((member, k) => {
    const built = inferenceNetwork(member, { foldBatchNorm });
    folded += built.folded;
    kept += built.kept;
    normalized ||= built.network.tensors.has('input.mean');
    const prefix = `m${k}.`;
    const sub = buildGraph(built.network, { prefix, output: `${prefix}probabilities` });
    graph.nodes.push(...sub.nodes);
    graph.initializers.push(...sub.initializers);
    if (k === 0) graph.inputs = sub.inputs;
    const weight = `${prefix}share`;
    graph.initializers.push({ name: weight, dims: [], dataType: DATA_TYPE.FLOAT, data: new Float32Array([ensemble.weights[k]]), external: false });
    graph.nodes.push({ name: `${prefix}scaled`, opType: 'Mul', domain: '', inputs: [`${prefix}probabilities`, weight], outputs: [`${prefix}scaled`], attributes: [] });
    scaled.push(`${prefix}scaled`);
    members.push({ architecture: built.network.config, seed: member.seed, weight: ensemble.weights[k] });
  });
  graph.nodes.push({ name: OUTPUT_NAME, opType: 'Sum', domain: '', inputs: scaled, outputs: [OUTPUT_NAME], attributes: [] });
  graph.outputs = [{ name: OUTPUT_NAME, elemType: DATA_TYPE.FLOAT, shape: ['batch', ensemble.classes] }];
  return { graph, folded, kept, normalized, metadata: [{ key: 'caviar.members', value: JSON.stringify(members) }] };
}

let version: string | undefined;

/** caviar's version from package.json (three folders up from src/io/onnx/ and from dist/io/onnx/). */
function caviarVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return version;
}
