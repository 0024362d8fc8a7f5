/**
 * A network: a list of layers, then a loss fused with the output activation
 * (softmax or sigmoid), with what a training loop needs of it (a forward
 * pass, gradients, parameters and buffers by name, its state) and nothing of
 * the loop itself. It owns an optional input normalization (mean and
 * standard deviation fitted on the training split) that is applied to every
 * input it sees, so predictions on raw data are always right.
 *
 * Like the layers, it knows only the backend. `Sequential` (model.ts) is a
 * Network with `fit`, `evaluate` and `predict`: the model users build.
 *
 * @example
 *   const net = new Network({ inputSize: 2, layers: [dense(16), relu(), dense(3)] }, { seed: 1 });
 *   net.computeGradients(x, labels); // the mean cost; every parameter's gradient filled
 */
import type { Backend } from '../backend/backend.js';
import { defaultBackend } from '../backend/index.js';
import type { DType, FloatArray, Matrix } from '../backend/tensor.js';
import { Rng } from '../util/rng.js';
import { createLayer } from './build.js';
import type { LayerConfig, LossKind, ModelConfig } from './config.js';
import type { BufferTensor, Layer, Param } from './layer.js';
import { OutputLoss } from './loss.js';

export interface ModelOptions {
  /** Seed for weight initialization and dropout masks. Default 0. */
  seed?: number;
  /** 'float32' for training (default); 'float64' for gradient checks and parity tests. */
  dtype?: DType;
  backend?: Backend;
}

/** A parameter with its model-wide name, `<layer index>.<name>` (PyTorch's state_dict keys). */
export interface NamedParam {
  readonly name: string;
  readonly param: Param;
}

export interface NamedBuffer {
  readonly name: string;
  readonly buffer: BufferTensor;
}

/** Mean and standard deviation per input feature: x' = (x - mean) / std. */
export interface InputNormalization {
  readonly mean: Float32Array;
  readonly std: Float32Array;
}

export class Network {
  readonly config: Required<ModelConfig>;
  readonly layers: readonly Layer[];
  readonly backend: Backend;
  readonly dtype: DType;
  readonly loss: OutputLoss;
  readonly seed: number;
  /** Applied to raw inputs before the first layer, when set. */
  inputNormalization: InputNormalization | null = null;
  private readonly named: readonly NamedParam[];
  private readonly namedBuffers: readonly NamedBuffer[];

  constructor(config: ModelConfig, options: ModelOptions = {}) {
    if (!Number.isInteger(config.inputSize) || config.inputSize < 1) {
      throw new RangeError(`model: inputSize must be a positive integer, got ${config.inputSize}`);
    }
    if (!Array.isArray(config.layers) || config.layers.length === 0) {
      throw new RangeError('model: layers must be a non-empty list');
    }
    const loss: LossKind = config.loss ?? 'softmaxCrossEntropy';
    if (loss !== 'softmaxCrossEntropy' && loss !== 'sigmoidBinaryCrossEntropy') {
      throw new RangeError(`model: unknown loss '${loss}'; expected softmaxCrossEntropy or sigmoidBinaryCrossEntropy`);
    }
    this.config = { inputSize: config.inputSize, layers: config.layers.map((l) => ({ ...l })), loss };
    this.backend = options.backend ?? defaultBackend();
    this.dtype = options.dtype ?? 'float32';
    this.seed = options.seed ?? 0;
    const rng = new Rng(this.seed);
    let size = config.inputSize;
    this.layers = config.layers.map((layerConfig: LayerConfig, index) => {
      const layer = createLayer(layerConfig, `layers[${index}] (${layerConfig.type})`);
      layer.build(size, { backend: this.backend, dtype: this.dtype, rng: rng.fork() });
      size = layer.outputSize;
      return layer;
    });
    this.loss = new OutputLoss(loss, size, this.backend, this.dtype);
    this.named = this.layers.flatMap((layer, i) => layer.params().map((param) => ({ name: `${i}.${param.name}`, param })));
    this.namedBuffers = this.layers.flatMap((layer, i) =>
      layer.buffers().map((buffer) => ({ name: `${i}.${buffer.name}`, buffer })),
    );
  }

  get inputSize(): number {
    return this.config.inputSize;
  }

  /** Number of classes: the last layer's width for softmax, 2 for sigmoid. */
  get classes(): number {
    return this.loss.classes;
  }

  /** Trainable parameters, in layer order, named `<layer index>.<name>`. */
  params(): readonly NamedParam[] {
    return this.named;
  }

  /** Buffers (batch-norm running statistics), named `<layer index>.running_mean` / `.running_var`. */
  buffers(): readonly NamedBuffer[] {
    return this.namedBuffers;
  }

  /** Total number of trainable values. */
  get parameterCount(): number {
    return this.named.reduce((n, p) => n + p.param.value.length, 0);
  }

  /** Logits for a batch x [m][inputSize] (already normalized). The result is owned by the model. */
  forward(x: Matrix, training: boolean): Matrix {
    if (x.cols !== this.inputSize) {
      throw new RangeError(`model: input has ${x.cols} features per example, the model expects ${this.inputSize}`);
    }
    let a = x;
    for (const layer of this.layers) a = layer.forward(a, training);
    return a;
  }

  /**
   * One forward and backward pass in training mode: fills every parameter's
   * gradient of the mean cost over the batch and returns that cost. Updates
   * batch-norm running statistics, as training does. The gradient with
   * respect to the inputs is computed only when asked for (gradient checks).
   */
  computeGradients(x: Matrix, labels: Int32Array, { inputGradient = false } = {}): number {
    const z = this.forward(x, true);
    const cost = this.loss.forward(z, labels, true);
    let grad = this.loss.gradient(x.rows);
    for (let i = this.layers.length - 1; i >= 0; i--) grad = this.layers[i].backward(grad, i > 0 || inputGradient);
    this.lastInputGradient = inputGradient ? grad : null;
    return cost;
  }

  /** Gradient of the cost with respect to the input batch, from the last `computeGradients(x, y, { inputGradient: true })`. */
  lastInputGradient: Matrix | null = null;

  /** Restarts every random stream inside the model (dropout), so a forward pass can be repeated exactly. */
  reseed(seed: number): void {
    this.layers.forEach((layer, i) => layer.reseed?.(seed * 7919 + i));
  }

  /** Every tensor of the model (parameters and buffers) by name, as copies. */
  stateDict(): Record<string, { shape: number[]; data: FloatArray }> {
    const out: Record<string, { shape: number[]; data: FloatArray }> = {};
    for (const { name, param } of this.named) out[name] = { shape: [...param.shape], data: param.value.slice() };
    for (const { name, buffer } of this.namedBuffers) out[name] = { shape: [...buffer.shape], data: buffer.value.slice() };
    return out;
  }

  /**
   * Loads tensors by name. Every tensor of the model must be present with
   * the right length (unless `strict` is false); unknown names are errors.
   */
  loadStateDict(
    tensors: Record<string, { shape?: readonly number[]; data: ArrayLike<number> }>,
    { strict = true, source = 'state dict' } = {},
  ): void {
    const targets = new Map<string, { value: FloatArray; shape: readonly number[] }>();
    for (const { name, param } of this.named) targets.set(name, { value: param.value, shape: param.shape });
    for (const { name, buffer } of this.namedBuffers) targets.set(name, { value: buffer.value, shape: buffer.shape });
    for (const name of Object.keys(tensors)) {
      if (!targets.has(name)) {
        throw new RangeError(`${source}: tensor '${name}' does not belong to this model (it has ${[...targets.keys()].join(', ')})`);
      }
    }
    for (const [name, target] of targets) {
      const t = tensors[name];
      if (!t) {
        if (strict) throw new RangeError(`${source}: tensor '${name}' is missing`);
        continue;
      }
      const shapeOk = !t.shape || (t.shape.length === target.shape.length && t.shape.every((d, i) => d === target.shape[i]));
      if (!shapeOk || t.data.length !== target.value.length) {
        throw new RangeError(
          `${source}: tensor '${name}' has shape [${t.shape ? t.shape.join(', ') : t.data.length}], the model needs [${target.shape.join(', ')}]`,
        );
      }
      for (let i = 0; i < t.data.length; i++) {
        const v = t.data[i];
        if (!Number.isFinite(v)) throw new RangeError(`${source}: tensor '${name}' holds ${v} at index ${i}`);
        target.value[i] = v;
      }
    }
  }

  /** Sets (or clears) the input normalization applied to every raw input. */
  setInputNormalization(normalization: { mean: ArrayLike<number>; std: ArrayLike<number> } | null): void {
    if (!normalization) {
      this.inputNormalization = null;
      return;
    }
    const { mean, std } = normalization;
    if (mean.length !== this.inputSize || std.length !== this.inputSize) {
      throw new RangeError(
        `input normalization has ${mean.length} means and ${std.length} standard deviations; the model has ${this.inputSize} inputs`,
      );
    }
    for (let j = 0; j < std.length; j++) {
      if (!(std[j] > 0) || !Number.isFinite(mean[j])) {
        throw new RangeError(`input normalization: feature ${j} has mean ${mean[j]} and std ${std[j]} (std must be > 0)`);
      }
    }
    this.inputNormalization = { mean: Float32Array.from(mean), std: Float32Array.from(std) };
  }

  /** A new model of the same class with the same architecture, weights, buffers and normalization, at another precision. */
  clone(options: ModelOptions = {}): this {
    const Class = this.constructor as new (config: ModelConfig, options: ModelOptions) => this;
    const copy = new Class(this.config, { seed: this.seed, dtype: this.dtype, backend: this.backend, ...options });
    copy.loadStateDict(this.stateDict());
    copy.inputNormalization = this.inputNormalization;
    return copy;
  }
}
