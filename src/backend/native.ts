/**
 * The native backend: the kernels of native/ (C, compiled by node-gyp at
 * `npm install`) behind the Backend interface. Matrix products use packed,
 * cache-blocked, register-blocked micro-kernels picked at load time by CPU
 * feature detection (AVX-512, AVX2 + FMA, or portable C); everything else is
 * one vectorized pass in C. Float32 only: float64 work (gradient checks,
 * float64 parity runs) goes to the reference backend, which is exact there.
 *
 * When the addon was not built (no compiler at install time), `loadNativeAddon`
 * returns null and the registry in index.ts simply leaves `native` out.
 */
import { createRequire } from 'node:module';
import type { ActivationKind, Backend } from './backend.js';
import { ReferenceBackend } from './reference.js';
import type { FloatArray, Matrix } from './tensor.js';
import { checkGemm, shapeError } from './shapes.js';

/** What the addon exports (native/addon.c). Sizes are plain numbers; arrays are passed as they are. */
export interface NativeAddon {
  gemm(
    a: Float32Array, aRows: number, aCols: number, transA: boolean,
    b: Float32Array, bRows: number, bCols: number, transB: boolean,
    out: Float32Array, alpha: number, beta: number, bias: Float32Array | null,
  ): void;
  addRowVector(m: Float32Array, rows: number, cols: number, v: Float32Array): void;
  sumRows(m: Float32Array, rows: number, cols: number, out: Float32Array): void;
  activationForward(kind: number, slope: number, z: Float32Array, a: Float32Array, n: number): void;
  activationBackward(
    kind: number, slope: number, z: Float32Array, a: Float32Array, da: Float32Array, dz: Float32Array, n: number,
  ): void;
  batchNormTrain(
    z: Float32Array, m: number, n: number, gamma: Float32Array, beta: Float32Array, eps: number,
    mean: Float32Array, variance: Float32Array, invStd: Float32Array, zHat: Float32Array, out: Float32Array,
  ): void;
  batchNormEval(
    z: Float32Array, m: number, n: number, gamma: Float32Array, beta: Float32Array,
    runningMean: Float32Array, runningVar: Float32Array, eps: number, out: Float32Array,
  ): void;
  batchNormBackward(
    dOut: Float32Array, zHat: Float32Array, m: number, n: number, gamma: Float32Array, invStd: Float32Array,
    dz: Float32Array, dGamma: Float32Array, dBeta: Float32Array,
  ): void;
  softmax(z: Float32Array, m: number, c: number, probs: Float32Array): void;
  softmaxCrossEntropy(
    z: Float32Array, m: number, c: number, labels: Int32Array, probs: Float32Array, dz: Float32Array | null,
  ): number;
  sigmoidBinaryCrossEntropy(
    z: Float32Array, m: number, labels: Int32Array, probs: Float32Array, dz: Float32Array | null,
  ): number;
  countCorrect(probs: Float32Array, m: number, c: number, labels: Int32Array): number;
  multiply(a: Float32Array, mask: Float32Array, out: Float32Array, n: number): void;
  sgdStep(w: Float32Array, g: Float32Array, lr: number, weightDecay: number): void;
  momentumStep(w: Float32Array, g: Float32Array, v: Float32Array, lr: number, beta: number, weightDecay: number): void;
  rmspropStep(
    w: Float32Array, g: Float32Array, s: Float32Array, lr: number, beta: number, eps: number, weightDecay: number,
  ): void;
  adamStep(
    w: Float32Array, g: Float32Array, v: Float32Array, s: Float32Array, lr: number, beta1: number, beta2: number,
    eps: number, t: number, weightDecay: number,
  ): void;
  /** The kernel in use, every kernel this CPU can run (best first), and the CPU features detected. */
  info(): NativeInfo;
  /** Switches this thread's matrix-product kernel; false when the CPU cannot run it. */
  setKernel(name: string): boolean;
}

export interface NativeInfo {
  kernel: string;
  kernels: string[];
  cpuFeatures: string[];
}

/** Where node-gyp leaves the addon, relative to this file in src/backend/ or dist/backend/. */
const ADDON_PATH = '../../build/Release/caviar_native.node';

let addon: NativeAddon | null | undefined;

/** The addon, or null when it was not built or cannot load here. Loaded once, on first use. */
export function loadNativeAddon(): NativeAddon | null {
  if (addon === undefined) {
    try {
      addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
    } catch {
      addon = null;
    }
  }
  return addon;
}

/** Activation codes of native/caviar.h. */
const ACTIVATION: Record<ActivationKind, number> = { linear: 0, relu: 1, leakyRelu: 2, tanh: 3, sigmoid: 4 };


export class NativeBackend implements Backend {
  readonly name = 'native';
  private readonly native: NativeAddon;
  /** Float64 arrays go here: the native kernels are float32 only. */
  private readonly reference = new ReferenceBackend();

  /** @example const backend = new NativeBackend(); backend.info().kernel; // 'avx512' */
  constructor() {
    const loaded = loadNativeAddon();
    if (!loaded) throw new Error('the native backend is not built (run `npm install` with a C compiler present)');
    this.native = loaded;
  }

  /** The kernel in use and the CPU features the addon detected. */
  info(): NativeInfo {
    return this.native.info();
  }

  gemm(a: Matrix, transA: boolean, b: Matrix, transB: boolean, out: Matrix, alpha: number, beta: number): void {
    if (!(a.data instanceof Float32Array)) return this.reference.gemm(a, transA, b, transB, out, alpha, beta);
    checkGemm(a, transA, b, transB, out);
    this.native.gemm(
      a.data, a.rows, a.cols, transA, b.data as Float32Array, b.rows, b.cols, transB, out.data as Float32Array,
      alpha, beta, null,
    );
  }

  /**
   * out = op(a) op(b) + bias on every row, in one pass over out: the dense
   * layer's forward product with its bias add fused into the kernel's store.
   * @example backend.gemmBias(x, false, w, true, z, b); // z = x W^T + b
   */
  gemmBias(a: Matrix, transA: boolean, b: Matrix, transB: boolean, out: Matrix, bias: FloatArray): void {
    if (!(a.data instanceof Float32Array)) {
      this.reference.gemm(a, transA, b, transB, out, 1, 0);
      this.reference.addRowVector(out, bias);
      return;
    }
    checkGemm(a, transA, b, transB, out);
    if (bias.length !== out.cols) throw shapeError('gemmBias', `out has ${out.cols} columns, bias ${bias.length}`);
    this.native.gemm(
      a.data, a.rows, a.cols, transA, b.data as Float32Array, b.rows, b.cols, transB, out.data as Float32Array,
      1, 0, bias as Float32Array,
    );
  }

  addRowVector(m: Matrix, v: FloatArray): void {
    if (!(m.data instanceof Float32Array)) return this.reference.addRowVector(m, v);
    if (v.length !== m.cols) throw shapeError('addRowVector', `matrix has ${m.cols} columns, vector ${v.length}`);
    this.native.addRowVector(m.data, m.rows, m.cols, v as Float32Array);
  }

  sumRows(m: Matrix, out: FloatArray): void {
    if (!(m.data instanceof Float32Array)) return this.reference.sumRows(m, out);
    if (out.length !== m.cols) throw shapeError('sumRows', `matrix has ${m.cols} columns, out ${out.length}`);
    this.native.sumRows(m.data, m.rows, m.cols, out as Float32Array);
  }

  activationForward(kind: ActivationKind, slope: number, z: Matrix, a: Matrix): void {
    if (!(z.data instanceof Float32Array)) return this.reference.activationForward(kind, slope, z, a);
    const n = z.rows * z.cols;
    if (a.rows * a.cols !== n) throw shapeError('activationForward', `z has ${n} values, a ${a.rows * a.cols}`);
    this.native.activationForward(ACTIVATION[kind], slope, z.data, a.data as Float32Array, n);
  }

  activationBackward(kind: ActivationKind, slope: number, z: Matrix, a: Matrix, da: Matrix, dz: Matrix): void {
    if (!(z.data instanceof Float32Array)) return this.reference.activationBackward(kind, slope, z, a, da, dz);
    const n = z.rows * z.cols;
    if (da.rows * da.cols !== n || dz.rows * dz.cols !== n) {
      throw shapeError('activationBackward', `z has ${n} values, da ${da.rows * da.cols}, dz ${dz.rows * dz.cols}`);
    }
    this.native.activationBackward(
      ACTIVATION[kind], slope, z.data, a.data as Float32Array, da.data as Float32Array, dz.data as Float32Array, n,
    );
  }

  batchNormTrain(
    z: Matrix, gamma: FloatArray, beta: FloatArray, eps: number, mean: FloatArray, variance: FloatArray,
    invStd: FloatArray, zHat: Matrix, out: Matrix,
  ): void {
    if (!(z.data instanceof Float32Array)) {
      return this.reference.batchNormTrain(z, gamma, beta, eps, mean, variance, invStd, zHat, out);
    }
    this.native.batchNormTrain(
      z.data, z.rows, z.cols, gamma as Float32Array, beta as Float32Array, eps, mean as Float32Array,
      variance as Float32Array, invStd as Float32Array, zHat.data as Float32Array, out.data as Float32Array,
    );
  }

  batchNormEval(
    z: Matrix, gamma: FloatArray, beta: FloatArray, runningMean: FloatArray, runningVar: FloatArray, eps: number,
    out: Matrix,
  ): void {
    if (!(z.data instanceof Float32Array)) {
      return this.reference.batchNormEval(z, gamma, beta, runningMean, runningVar, eps, out);
    }
    this.native.batchNormEval(
      z.data, z.rows, z.cols, gamma as Float32Array, beta as Float32Array, runningMean as Float32Array,
      runningVar as Float32Array, eps, out.data as Float32Array,
    );
  }

  batchNormBackward(
    dOut: Matrix, zHat: Matrix, gamma: FloatArray, invStd: FloatArray, dz: Matrix, dGamma: FloatArray,
    dBeta: FloatArray,
  ): void {
    if (!(dOut.data instanceof Float32Array)) {
      return this.reference.batchNormBackward(dOut, zHat, gamma, invStd, dz, dGamma, dBeta);
    }
    this.native.batchNormBackward(
      dOut.data, zHat.data as Float32Array, dOut.rows, dOut.cols, gamma as Float32Array, invStd as Float32Array,
      dz.data as Float32Array, dGamma as Float32Array, dBeta as Float32Array,
    );
  }

  softmax(z: Matrix, probs: Matrix): void {
    if (!(z.data instanceof Float32Array)) return this.reference.softmax(z, probs);
    this.native.softmax(z.data, z.rows, z.cols, probs.data as Float32Array);
  }

  softmaxCrossEntropy(z: Matrix, labels: Int32Array, probs: Matrix, dz: Matrix | null): number {
    if (!(z.data instanceof Float32Array)) return this.reference.softmaxCrossEntropy(z, labels, probs, dz);
    return this.native.softmaxCrossEntropy(
      z.data, z.rows, z.cols, labels, probs.data as Float32Array, dz ? (dz.data as Float32Array) : null,
    );
  }

  sigmoidBinaryCrossEntropy(z: Matrix, labels: Int32Array, probs: Matrix, dz: Matrix | null): number {
    if (!(z.data instanceof Float32Array)) return this.reference.sigmoidBinaryCrossEntropy(z, labels, probs, dz);
    return this.native.sigmoidBinaryCrossEntropy(
      z.data, z.rows, labels, probs.data as Float32Array, dz ? (dz.data as Float32Array) : null,
    );
  }

  countCorrect(probs: Matrix, labels: Int32Array): number {
    if (!(probs.data instanceof Float32Array)) return this.reference.countCorrect(probs, labels);
    return this.native.countCorrect(probs.data, probs.rows, probs.cols, labels);
  }

  multiply(a: Matrix, mask: Matrix, out: Matrix): void {
    if (!(a.data instanceof Float32Array)) return this.reference.multiply(a, mask, out);
    this.native.multiply(a.data, mask.data as Float32Array, out.data as Float32Array, a.rows * a.cols);
  }

  sgdStep(w: FloatArray, g: FloatArray, lr: number, weightDecay: number): void {
    if (!(w instanceof Float32Array)) return this.reference.sgdStep(w, g, lr, weightDecay);
    this.native.sgdStep(w, g as Float32Array, lr, weightDecay);
  }

  momentumStep(w: FloatArray, g: FloatArray, v: FloatArray, lr: number, beta: number, weightDecay: number): void {
    if (!(w instanceof Float32Array)) return this.reference.momentumStep(w, g, v, lr, beta, weightDecay);
    this.native.momentumStep(w, g as Float32Array, v as Float32Array, lr, beta, weightDecay);
  }

  rmspropStep(
    w: FloatArray, g: FloatArray, s: FloatArray, lr: number, beta: number, eps: number, weightDecay: number,
  ): void {
    if (!(w instanceof Float32Array)) return this.reference.rmspropStep(w, g, s, lr, beta, eps, weightDecay);
    this.native.rmspropStep(w, g as Float32Array, s as Float32Array, lr, beta, eps, weightDecay);
  }

  adamStep(
    w: FloatArray, g: FloatArray, v: FloatArray, s: FloatArray, lr: number, beta1: number, beta2: number, eps: number,
    t: number, weightDecay: number,
  ): void {
    if (!(w instanceof Float32Array)) {
      return this.reference.adamStep(w, g, v, s, lr, beta1, beta2, eps, t, weightDecay);
    }
    this.native.adamStep(w, g as Float32Array, v as Float32Array, s as Float32Array, lr, beta1, beta2, eps, t, weightDecay);
  }
}
