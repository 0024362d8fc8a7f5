/**
 * The native backend: the kernels of native/ (C, compiled by node-gyp at
 * `npm install`) behind the Backend interface. Matrix products use packed,
 * cache-blocked, register-blocked micro-kernels picked at load time by CPU
 * feature detection (AVX-512, AVX2 + FMA, or portable C); everything else is
 * one vectorized pass in C. Float32 only: float64 work (gradient checks,
 * float64 parity runs) goes to the reference backend (float32.ts).
 *
 * When the addon was not built (no compiler at install time), `loadNativeAddon`
 * returns null and the registry in index.ts simply leaves `native` out.
 */
import { createRequire } from 'node:module';
import type { ActivationKind } from './backend.js';
import { Float32Backend, type Float32Kernels, type Matrix32 } from './float32.js';
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

/**
 * The addon's kernels, for float32 arrays (Float32Backend sends float64
 * calls to the reference backend).
 */
class NativeKernels implements Float32Kernels {
  constructor(private readonly native: NativeAddon) {}

  gemm(a: Matrix32, transA: boolean, b: Matrix32, transB: boolean, out: Matrix32, alpha: number, beta: number): void {
    checkGemm(a, transA, b, transB, out);
    this.native.gemm(
      a.data, a.rows, a.cols, transA, b.data, b.rows, b.cols, transB, out.data,
      alpha, beta, null,
    );
  }

  addRowVector(m: Matrix32, v: Float32Array): void {
    if (v.length !== m.cols) throw shapeError('addRowVector', `matrix has ${m.cols} columns, vector ${v.length}`);
    this.native.addRowVector(m.data, m.rows, m.cols, v);
  }

  sumRows(m: Matrix32, out: Float32Array): void {
    if (out.length !== m.cols) throw shapeError('sumRows', `matrix has ${m.cols} columns, out ${out.length}`);
    this.native.sumRows(m.data, m.rows, m.cols, out);
  }

  activationForward(kind: ActivationKind, slope: number, z: Matrix32, a: Matrix32): void {
    const n = z.rows * z.cols;
    if (a.rows * a.cols !== n) throw shapeError('activationForward', `z has ${n} values, a ${a.rows * a.cols}`);
    this.native.activationForward(ACTIVATION[kind], slope, z.data, a.data, n);
  }

  activationBackward(kind: ActivationKind, slope: number, z: Matrix32, a: Matrix32, da: Matrix32, dz: Matrix32): void {
    const n = z.rows * z.cols;
    if (da.rows * da.cols !== n || dz.rows * dz.cols !== n) {
      throw shapeError('activationBackward', `z has ${n} values, da ${da.rows * da.cols}, dz ${dz.rows * dz.cols}`);
    }
    this.native.activationBackward(
      ACTIVATION[kind], slope, z.data, a.data, da.data, dz.data, n,
    );
  }

  batchNormTrain(
    z: Matrix32, gamma: Float32Array, beta: Float32Array, eps: number, mean: Float32Array, variance: Float32Array,
    invStd: Float32Array, zHat: Matrix32, out: Matrix32,
  ): void {
    this.native.batchNormTrain(
      z.data, z.rows, z.cols, gamma, beta, eps, mean,
      variance, invStd, zHat.data, out.data,
    );
  }

  batchNormEval(
    z: Matrix32, gamma: Float32Array, beta: Float32Array, runningMean: Float32Array, runningVar: Float32Array, eps: number,
    out: Matrix32,
  ): void {
    this.native.batchNormEval(
      z.data, z.rows, z.cols, gamma, beta, runningMean,
      runningVar, eps, out.data,
    );
  }

  batchNormBackward(
    dOut: Matrix32, zHat: Matrix32, gamma: Float32Array, invStd: Float32Array, dz: Matrix32, dGamma: Float32Array,
    dBeta: Float32Array,
  ): void {
    this.native.batchNormBackward(
      dOut.data, zHat.data, dOut.rows, dOut.cols, gamma, invStd,
      dz.data, dGamma, dBeta,
    );
  }

  softmax(z: Matrix32, probs: Matrix32): void {
    this.native.softmax(z.data, z.rows, z.cols, probs.data);
  }

  softmaxCrossEntropy(z: Matrix32, labels: Int32Array, probs: Matrix32, dz: Matrix32 | null): number {
    return this.native.softmaxCrossEntropy(
      z.data, z.rows, z.cols, labels, probs.data, dz ? (dz.data) : null,
    );
  }

  sigmoidBinaryCrossEntropy(z: Matrix32, labels: Int32Array, probs: Matrix32, dz: Matrix32 | null): number {
    return this.native.sigmoidBinaryCrossEntropy(
      z.data, z.rows, labels, probs.data, dz ? (dz.data) : null,
    );
  }

  countCorrect(probs: Matrix32, labels: Int32Array): number {
    return this.native.countCorrect(probs.data, probs.rows, probs.cols, labels);
  }

  multiply(a: Matrix32, mask: Matrix32, out: Matrix32): void {
    this.native.multiply(a.data, mask.data, out.data, a.rows * a.cols);
  }

  sgdStep(w: Float32Array, g: Float32Array, lr: number, weightDecay: number): void {
    this.native.sgdStep(w, g, lr, weightDecay);
  }

  momentumStep(w: Float32Array, g: Float32Array, v: Float32Array, lr: number, beta: number, weightDecay: number): void {
    this.native.momentumStep(w, g, v, lr, beta, weightDecay);
  }

  rmspropStep(
    w: Float32Array, g: Float32Array, s: Float32Array, lr: number, beta: number, eps: number, weightDecay: number,
  ): void {
    this.native.rmspropStep(w, g, s, lr, beta, eps, weightDecay);
  }

  adamStep(
    w: Float32Array, g: Float32Array, v: Float32Array, s: Float32Array, lr: number, beta1: number, beta2: number, eps: number,
    t: number, weightDecay: number,
  ): void {
    this.native.adamStep(w, g, v, s, lr, beta1, beta2, eps, t, weightDecay);
  }
}


export class NativeBackend extends Float32Backend {
  readonly name = 'native';
  private readonly native: NativeAddon;

  /** @example const backend = new NativeBackend(); backend.info().kernel; // 'avx512' */
  constructor() {
    const loaded = loadNativeAddon();
    if (!loaded) throw new Error('the native backend is not built (run `npm install` with a C compiler present)');
    super(new NativeKernels(loaded));
    this.native = loaded;
  }

  /** The kernel in use and the CPU features the addon detected. */
  info(): NativeInfo {
    return this.native.info();
  }

  /**
   * out = op(a) op(b) + bias on every row, in one pass over out: the dense
   * layer's forward product with its bias add fused into the kernel's store.
   * @example backend.gemmBias(x, false, w, true, z, b); // z = x W^T + b
   */
  gemmBias(a: Matrix, transA: boolean, b: Matrix, transB: boolean, out: Matrix, bias: FloatArray): void {
    if (!(a.data instanceof Float32Array)) {
      this.gemm(a, transA, b, transB, out, 1, 0);
      this.addRowVector(out, bias);
      return;
    }
    checkGemm(a, transA, b, transB, out);
    if (bias.length !== out.cols) throw shapeError('gemmBias', `out has ${out.cols} columns, bias ${bias.length}`);
    this.native.gemm(
      a.data, a.rows, a.cols, transA, b.data as Float32Array, b.rows, b.cols, transB, out.data as Float32Array,
      1, 0, bias as Float32Array,
    );
  }
}
