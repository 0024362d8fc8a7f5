/**
 * The ONNX graph of a caviar network in eval mode. One function,
 * {@link buildGraph}, turns a network (its layer configs and float32
 * tensors) into nodes and initializers; export calls it to write a file and
 * import calls it again to check that a file's graph is exactly the one its
 * metadata describes.
 *
 *   input [batch, F]
 *     Sub(input.mean), Div(input.std)      the input normalization, when the model has one
 *     Gemm(W, b, transB=1)                 dense: z = x W^T + b, W [out][in] as caviar stores it
 *     BatchNormalization(gamma, beta, running_mean, running_var, epsilon)
 *     Relu | LeakyRelu(alpha) | Tanh | Sigmoid
 *     (linear and dropout: no node; dropout is the identity at inference)
 *     Softmax(axis=1)                      or, for a one-unit sigmoid output,
 *                                          Concat(1 - Sigmoid(z), Sigmoid(z))
 *   probabilities [batch, C]
 *
 * Tensors and values are named like caviar's state dict (`0.weight`,
 * `1.running_mean`, `input.mean`), so an ONNX viewer shows the same names as
 * the safetensors file.
 */
import type { LayerConfig, LossKind, ModelConfig } from '../../nn/config.js';
import type { Sequential } from '../../nn/model.js';
import { DATA_TYPE, type OnnxAttribute, type OnnxGraph, type OnnxNode, type OnnxTensor } from './onnx-proto.js';

export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'probabilities';
/** The ONNX operator set the graph uses: every op here has had its current form since opset 13 or earlier. */
export const OPSET_VERSION = 13;
/** IR version 7 is the one that goes with opset 13 (ONNX 1.8). */
export const IR_VERSION = 7;

/** A float32 tensor with its shape. */
export interface NamedTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** What the graph computes: the layers, their tensors by state-dict name, and `input.mean` / `input.std` when normalized. */
export interface InferenceNetwork {
  readonly config: Required<ModelConfig>;
  readonly tensors: ReadonlyMap<string, NamedTensor>;
}

/** The options each layer type may have; an option the exporter does not know could change what the layer computes. */
const KNOWN_OPTIONS: Record<string, readonly string[]> = {
  dense: ['units', 'bias', 'init'],
  batchNorm: ['momentum', 'eps', 'runningVariance'],
  relu: [],
  leakyRelu: ['slope'],
  tanh: [],
  sigmoid: [],
  linear: [],
  dropout: ['rate'],
};

const LOSSES: readonly LossKind[] = ['softmaxCrossEntropy', 'sigmoidBinaryCrossEntropy'];

/**
 * Why the network cannot be written as ONNX (an unknown layer type, option
 * or loss), or null when every part of it can. Refusing is the point: a
 * layer exported as something it is not would give wrong predictions quietly.
 */
export function unsupportedPart(config: ModelConfig): string | null {
  if (typeof config !== 'object' || config === null || !Array.isArray(config.layers)) return 'the architecture has no list of layers';
  for (const [index, layer] of config.layers.entries()) {
    if (typeof layer !== 'object' || layer === null) return `layers[${index}] is ${JSON.stringify(layer)}, not a layer`;
    const type = (layer as { type?: unknown }).type;
    if (typeof type !== 'string' || !Object.hasOwn(KNOWN_OPTIONS, type)) {
      return `layers[${index}] is a ${JSON.stringify(type)} layer, which has no ONNX form here (the exporter knows ${Object.keys(KNOWN_OPTIONS).join(', ')})`;
    }
    for (const key of Object.keys(layer)) {
      if (key !== 'type' && !KNOWN_OPTIONS[type].includes(key)) {
        return `layers[${index}] (${type}) has the option '${key}', which the ONNX exporter does not know; ` +
          'it might change what the layer computes, so the model is not exported';
      }
    }
  }
  const loss = config.loss ?? 'softmaxCrossEntropy';
  if (!LOSSES.includes(loss)) return `the output '${String(loss)}' has no ONNX form here (the exporter knows ${LOSSES.join(', ')})`;
  return null;
}

/**
 * The network a model computes in eval mode, ready for {@link buildGraph}.
 * With `foldBatchNorm`, each batch norm that follows a dense layer (with only
 * dropout or linear layers, identities at inference, between them) is folded
 * into it, per output unit k:
 *
 *   s_k = gamma_k / sqrt(running_var_k + eps)
 *   W'[k][:] = s_k W[k][:],  b'_k = s_k (b_k - running_mean_k) + beta_k   (b = 0 without bias)
 *
 * computed in float64 and rounded once to float32. The returned config is the
 * folded one (the dense layer gains a bias, the batch norm is gone), with
 * tensors renamed to the new layer indices. A batch norm with no dense layer
 * before it stays a BatchNormalization node.
 */
export function inferenceNetwork(model: Sequential, { foldBatchNorm = false } = {}): { network: InferenceNetwork; folded: number; kept: number } {
  const state = model.stateDict();
  const tensor = (name: string): NamedTensor => {
    const t = state[name];
    return { dims: t.shape, data: t.data instanceof Float32Array ? t.data : Float32Array.from(t.data) };
  };
  const layers: LayerConfig[] = [];
  const tensors = new Map<string, NamedTensor>();
  const newIndex: number[] = []; // old layer index -> new
  let folded = 0;
  let kept = 0;
  model.config.layers.forEach((layer, i) => {
    if (layer.type === 'batchNorm') {
      const target = foldBatchNorm ? foldTarget(model.config.layers, i) : -1;
      if (target < 0) {
        if (foldBatchNorm) kept++;
      } else {
        const j = newIndex[target];
        const dense = layers[j] as Extract<LayerConfig, { type: 'dense' }>;
        const weight = tensors.get(`${j}.weight`)!;
        const bias = tensors.get(`${j}.bias`)?.data;
        const [units, inputs] = weight.dims;
        const gamma = state[`${i}.gamma`].data;
        const beta = state[`${i}.beta`].data;
        const mean = state[`${i}.running_mean`].data;
        const variance = state[`${i}.running_var`].data;
        const eps = layer.eps ?? 1e-5;
        const w = new Float32Array(units * inputs); // [out][in]
        const b = new Float32Array(units); // [out]
        for (let k = 0; k < units; k++) {
          const s = gamma[k] / Math.sqrt(variance[k] + eps);
          for (let c = 0; c < inputs; c++) w[k * inputs + c] = s * weight.data[k * inputs + c];
          b[k] = s * ((bias ? bias[k] : 0) - mean[k]) + beta[k];
        }
        const { bias: _had, ...withBias } = dense;
        layers[j] = withBias;
        tensors.set(`${j}.weight`, { dims: weight.dims, data: w });
        tensors.set(`${j}.bias`, { dims: [units], data: b });
        newIndex[i] = -1;
        folded++;
        return;
      }
    }
    const at = layers.length;
    newIndex[i] = at;
    layers.push({ ...layer });
    for (const name of Object.keys(state)) {
      if (name.startsWith(`${i}.`)) tensors.set(`${at}.${name.slice(String(i).length + 1)}`, tensor(name));
    }
  });
  if (model.inputNormalization) {
    const n = model.inputSize;
    tensors.set('input.mean', { dims: [n], data: model.inputNormalization.mean.slice() });
    tensors.set('input.std', { dims: [n], data: model.inputNormalization.std.slice() });
  }
  return { network: { config: { ...model.config, layers }, tensors }, folded, kept };
}

/** The index of the dense layer a batch norm at `i` can be folded into, or -1. */
function foldTarget(layers: readonly LayerConfig[], i: number): number {
  for (let j = i - 1; j >= 0; j--) {
    const type = layers[j].type;
    if (type === 'dense') return j;
    if (type !== 'dropout' && type !== 'linear') return -1;
  }
  return -1;
}

/**
 * The graph of a network: nodes in order, initializers, the named input and
 * output with a dynamic batch dimension. Throws a RangeError naming the
 * tensor when one the layers need is missing or has the wrong shape.
 *
 * `prefix` goes before every node and initializer name, and `output` names
 * the probabilities, so that an ensemble's members can share one graph
 * (`m0.0.weight`, `m0.probabilities`, ...) and one input.
 */
export function buildGraph(network: InferenceNetwork, { prefix = '', output = OUTPUT_NAME } = {}): OnnxGraph {
  const { config, tensors } = network;
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const used = (name: string, dims: readonly number[]): string => {
    const t = tensors.get(name);
    if (!t) throw new RangeError(`tensor '${name}' is missing`);
    if (t.dims.length !== dims.length || t.dims.some((d, k) => d !== dims[k])) {
      throw new RangeError(`tensor '${name}' has shape [${t.dims.join(', ')}], the network needs [${dims.join(', ')}]`);
    }
    initializers.push({ name: prefix + name, dims: [...dims], dataType: DATA_TYPE.FLOAT, data: t.data, external: false });
    return prefix + name;
  };
  const node = (opType: string, inputs: string[], name: string, attributes: OnnxAttribute[] = []): string => {
    const out = name === output ? name : prefix + name;
    nodes.push({ name: out, opType, domain: '', inputs, outputs: [out], attributes });
    return out;
  };

  let width = config.inputSize;
  let value = INPUT_NAME; // [batch, width]
  const normalized = tensors.has('input.mean') || tensors.has('input.std');
  if (normalized) {
    // (x - mean) / std, as caviar normalizes: a Div, not a Mul by 1/std, so the rounding is the same.
    value = node('Sub', [value, used('input.mean', [width])], 'input.centered');
    value = node('Div', [value, used('input.std', [width])], 'input.normalized');
  }
  config.layers.forEach((layer, i) => {
    switch (layer.type) {
      case 'dense': {
        const inputs = [value, used(`${i}.weight`, [layer.units, width])];
        if (layer.bias ?? true) inputs.push(used(`${i}.bias`, [layer.units]));
        value = node('Gemm', inputs, `${i}.dense`, [{ name: 'transB', type: 'int', value: 1 }]); // [batch, units]
        width = layer.units;
        break;
      }
      case 'batchNorm':
        value = node('BatchNormalization', [
          value, used(`${i}.gamma`, [width]), used(`${i}.beta`, [width]), used(`${i}.running_mean`, [width]), used(`${i}.running_var`, [width]),
        ], `${i}.batchNorm`, [
          { name: 'epsilon', type: 'float', value: Math.fround(layer.eps ?? 1e-5) },
          // ONNX's momentum is Keras's (the weight of the old average); it only matters when training.
          { name: 'momentum', type: 'float', value: Math.fround(1 - (layer.momentum ?? 0.1)) },
        ]);
        break;
      case 'relu':
        value = node('Relu', [value], `${i}.relu`);
        break;
      case 'leakyRelu':
        value = node('LeakyRelu', [value], `${i}.leakyRelu`, [{ name: 'alpha', type: 'float', value: Math.fround(layer.slope ?? 0.01) }]);
        break;
      case 'tanh':
        value = node('Tanh', [value], `${i}.tanh`);
        break;
      case 'sigmoid':
        value = node('Sigmoid', [value], `${i}.sigmoid`);
        break;
      case 'linear':
      case 'dropout':
        break; // the identity at inference
      default:
        throw new RangeError(`layers[${i}]: no ONNX form for a '${(layer as { type: string }).type}' layer`);
    }
  });
  for (const name of tensors.keys()) {
    if (!initializers.some((t) => t.name === prefix + name)) throw new RangeError(`tensor '${name}' belongs to no layer of the network`);
  }

  let classes: number;
  if (config.loss === 'sigmoidBinaryCrossEntropy') {
    // predict gives [p(0), p(1)] = [1 - sigmoid(z), sigmoid(z)] for a one-unit output.
    classes = 2;
    const p1 = node('Sigmoid', [value], 'output.p1'); // [batch, 1]
    initializers.push({ name: `${prefix}output.one`, dims: [], dataType: DATA_TYPE.FLOAT, data: new Float32Array([1]), external: false });
    const p0 = node('Sub', [`${prefix}output.one`, p1], 'output.p0');
    node('Concat', [p0, p1], output, [{ name: 'axis', type: 'int', value: 1 }]);
  } else {
    classes = width;
    node('Softmax', [value], output, [{ name: 'axis', type: 'int', value: 1 }]);
  }
  return {
    name: 'caviar',
    nodes,
    initializers,
    inputs: [{ name: INPUT_NAME, elemType: DATA_TYPE.FLOAT, shape: ['batch', config.inputSize] }],
    outputs: [{ name: output, elemType: DATA_TYPE.FLOAT, shape: ['batch', classes] }],
  };
}
