/**
 * Reads back an ONNX file that caviar exported and rebuilds the caviar
 * model: the architecture comes from the metadata, the weights, running
 * statistics and input normalization from the initializers. Before trusting
 * either, the file's graph is compared node by node with the graph that
 * architecture and those tensors make; any difference (an edited graph, a
 * model from another tool) is refused with what was found, never imported
 * as something it is not. A model exported with `foldBatchNorm` comes back
 * without its batch norms, computing the same probabilities.
 *
 * @example
 *   const { model, metadata } = loadOnnx('model.onnx');
 *   saveModel(model, 'model.safetensors', metadata);
 */
import type { Backend } from '../../backend/backend.js';
import type { ModelConfig } from '../../nn/config.js';
import { Sequential } from '../../nn/model.js';
import { ModelFileError, readModelBytes } from '../model-file.js';
import { decodeSafetensors } from '../safetensors.js';
import { ONNX_FORMAT } from './export.js';
import { buildGraph, OPSET_VERSION, unsupportedPart, type NamedTensor } from './graph.js';
import { dataTypeName, decodeModelProto, DATA_TYPE, type OnnxAttribute, type OnnxGraph, type OnnxNode, type OnnxValueInfo } from './onnx-proto.js';
import { ProtoError } from './protobuf.js';

/** The constant 1 of a sigmoid output's `1 - p`; not a model tensor. */
const OUTPUT_ONE = 'output.one';

/**
 * Rebuilds a model from ONNX bytes that caviar exported; every problem names `source`.
 *
 * @example
 *   const { model } = importOnnx(readFileSync('model.onnx'), 'model.onnx');
 */
export function importOnnx(bytes: Uint8Array, source: string, options: { backend?: Backend } = {}): { model: Sequential; metadata: Record<string, string> } {
  const fail = (problem: string): never => {
    throw new ModelFileError(source, problem);
  };
  if (bytes.length === 0) fail('the file is empty, not an ONNX model');
  let onnx;
  try {
    onnx = decodeModelProto(bytes);
  } catch (err) {
    if (!(err instanceof ProtoError)) throw err;
    fail(looksLikeSafetensors(bytes)
      ? 'a safetensors file, not an ONNX model (caviar export MODEL --format onnx OUT.onnx makes one from it)'
      : `not an ONNX model, or a damaged one: ${err.message}`);
  }
  const model = onnx!;
  if (!model.hasIrVersion || !model.hasGraph) {
    fail(`not an ONNX model (it has no ${model.hasIrVersion ? 'graph' : 'ir_version'}, which every ONNX model has)`);
  }
  const props = new Map<string, string>();
  for (const { key, value } of model.metadataProps) {
    if (props.has(key)) fail(`the metadata has the key '${key}' twice`);
    props.set(key, value);
  }
  const format = props.get('caviar.format');
  if (model.producerName !== 'caviar' || format === undefined) {
    const producer = model.producerName ? `'${model.producerName}'${model.producerVersion ? ` ${model.producerVersion}` : ''}` : 'an unnamed producer';
    fail(`an ONNX model from ${producer} (${describeGraph(model.graph)}), not one caviar exported ` +
      `(${model.producerName === 'caviar' ? 'no caviar.format in its metadata' : `producer_name is not 'caviar'`}); caviar import reads only models written by caviar export`);
  }
  if (format !== ONNX_FORMAT) fail(`ONNX model format '${format}' is not one this version reads (${ONNX_FORMAT}); upgrade caviar`);
  const opset = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (opset?.version !== OPSET_VERSION) {
    fail(`the graph uses ONNX opset ${opset?.version ?? '(none)'}, but caviar exports opset ${OPSET_VERSION}; was the file converted by another tool?`);
  }

  if (props.has('caviar.members')) {
    fail('an ensemble caviar exported (one graph averaging several networks); caviar import reads single networks: use the ensemble\'s .safetensors file, which caviar predict reads as it is');
  }
  let config: ModelConfig;
  try {
    config = JSON.parse(props.get('caviar.architecture') ?? '');
  } catch {
    return fail('the architecture in the metadata (caviar.architecture) is missing or not valid JSON');
  }
  const unsupported = unsupportedPart(config);
  if (unsupported) fail(`the architecture in the metadata cannot be imported: ${unsupported}`);
  let rebuilt: Sequential;
  try {
    rebuilt = new Sequential(config, { seed: Number(props.get('caviar.seed') ?? 0), ...(options.backend ? { backend: options.backend } : {}) });
  } catch (err) {
    return fail(`the architecture in the metadata is invalid: ${(err as Error).message}`);
  }

  // The initializers: float32, in the file, each name once.
  const tensors = new Map<string, NamedTensor>();
  for (const t of model.graph.initializers) {
    if (t.external) fail(`initializer '${t.name}' keeps its values in another file (external data); caviar writes them inside`);
    if (t.dataType !== DATA_TYPE.FLOAT || !t.data) fail(`initializer '${t.name}' is ${dataTypeName(t.dataType)}; caviar writes FLOAT`);
    if (tensors.has(t.name)) fail(`two initializers are named '${t.name}'`);
    if (t.name === OUTPUT_ONE) {
      if (t.dims.length !== 0 || t.data![0] !== 1) fail(`initializer '${OUTPUT_ONE}' must be the scalar 1`);
      continue;
    }
    tensors.set(t.name, { dims: t.dims, data: t.data! });
  }
  const network = { config: rebuilt.config, tensors };
  let expected: OnnxGraph;
  try {
    expected = buildGraph(network);
  } catch (err) {
    return fail(`the initializers do not match the architecture in the metadata: ${(err as Error).message}`);
  }
  const difference = graphDifference(model.graph, expected);
  if (difference) fail(`the graph is not the one its metadata describes: ${difference}`);

  const { 'input.mean': mean, 'input.std': std, ...weights } = Object.fromEntries(
    [...tensors].map(([name, t]) => [name, { shape: t.dims, data: t.data }]),
  );
  try {
    rebuilt.loadStateDict(weights, { source: 'initializers' });
    if (mean || std) {
      if (!mean || !std) throw new Error('input normalization needs both input.mean and input.std');
      rebuilt.setInputNormalization({ mean: mean.data, std: std.data });
    }
  } catch (err) {
    return fail(`the initializers do not match the architecture: ${(err as Error).message}`);
  }
  const metadata = Object.fromEntries([...props].filter(([key]) => !key.startsWith('caviar.')));
  return { model: rebuilt, metadata };
}

/**
 * Reads an ONNX file written by caviar export.
 *
 * @example
 *   const { model, metadata } = loadOnnx('model.onnx');
 *   model.predict(rawRows);
 */
export function loadOnnx(path: string, options: { backend?: Backend } = {}): { model: Sequential; metadata: Record<string, string> } {
  return importOnnx(readModelBytes(path), path, options);
}

/** The first difference between a file's graph and the expected one, in words; null when they are the same. */
function graphDifference(found: OnnxGraph, expected: OnnxGraph): string | null {
  const valueInfo = (v: OnnxValueInfo) => `'${v.name}' ${dataTypeName(v.elemType)} [${(v.shape ?? []).join(', ')}]`;
  for (const [what, a, b] of [['input', found.inputs, expected.inputs], ['output', found.outputs, expected.outputs]] as const) {
    // Initializers may also be listed as graph inputs (IR < 4 required it); those are not the model's input.
    const real = what === 'input' ? a.filter((v) => !found.initializers.some((t) => t.name === v.name)) : a;
    if (real.length !== b.length || real.some((v, k) => valueInfo(v) !== valueInfo(b[k]))) {
      return `its ${what}s are ${real.map(valueInfo).join(', ') || 'none'}; expected ${b.map(valueInfo).join(', ')}`;
    }
  }
  const node = (n: OnnxNode) =>
    `${n.domain ? `${n.domain}.` : ''}${n.opType}(${n.inputs.join(', ')}) -> ${n.outputs.join(', ')}` +
    (n.attributes.length ? ` {${n.attributes.map(attribute).join(', ')}}` : '');
  for (let k = 0; k < Math.max(found.nodes.length, expected.nodes.length); k++) {
    const a = found.nodes[k];
    const b = expected.nodes[k];
    if (!a) return `it ends after ${found.nodes.length} nodes; the architecture makes ${expected.nodes.length} (next: ${node(b)})`;
    if (!b) return `it has ${found.nodes.length} nodes; the architecture makes ${expected.nodes.length} (node ${k} is ${node(a)})`;
    if (node(a) !== node(b)) return `node ${k} is ${node(a)}; the architecture makes ${node(b)}`;
  }
  return null;
}

function attribute(a: OnnxAttribute): string {
  return a.type === 'other' ? `${a.name}: (attribute type ${a.code})` : `${a.name}: ${JSON.stringify(a.value)}`;
}

/** "3 nodes: Gemm, Relu, Softmax" (the distinct operators, in order of first use). */
function describeGraph(graph: OnnxGraph): string {
  const ops = [...new Set(graph.nodes.map((n) => n.opType))];
  return `${graph.nodes.length} node${graph.nodes.length === 1 ? '' : 's'}${ops.length ? `: ${ops.slice(0, 8).join(', ')}${ops.length > 8 ? ', ...' : ''}` : ''}`;
}

function looksLikeSafetensors(bytes: Uint8Array): boolean {
  try {
    decodeSafetensors(bytes, '');
    return true;
  } catch {
    return false;
  }
}
