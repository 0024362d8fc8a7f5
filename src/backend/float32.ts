/**
 * The fast backends (native, wasm) compute in float32 only; float64 work
 * (gradient checks, float64 parity runs) goes to the reference backend,
 * which is exact there. This file is the one place that routes it: a fast
 * backend writes its kernels for float32 arrays (`Float32Kernels`) and
 * extends `Float32Backend`, which sends every call by the type of its first
 * array, so a new kernel needs one line here and none in each backend.
 *
 * The lines are written out rather than made in a loop from the list of
 * kernels (`KERNELS`, backend.ts): methods made by a loop share their call
 * sites, so V8 no longer inlines each one's target; on 17 stand-in kernels a
 * written-out route took 8-16 ns a call, one made per instance 20-55 ns, one
 * with rest arguments 35-110 ns. Generated code (new Function) would be as
 * fast but the dashboard's content security policy forbids it, and its
 * predictions worker runs this backend. The compiler asks for the line: the
 * class implements Backend.
 */
import type { ActivationKind, Backend } from './backend.js';
import { ReferenceBackend } from './reference.js';
import type { FloatArray, Matrix } from './tensor.js';

/** The kernels of a Backend, whatever their arrays. */
type Kernels = Omit<Backend, 'name' | 'allocateFloat32'>;

/** A matrix over float32 values. */
export type Matrix32 = Matrix & { readonly data: Float32Array };

/** A kernel's argument type on the float32 side: matrices and arrays of float32. */
type Float32Arg<T> = T extends Matrix ? Matrix32 : T extends FloatArray ? Float32Array : T;

/** A backend's kernels for float32 arrays: the Backend methods with every matrix and array float32. */
export type Float32Kernels = {
  [K in keyof Kernels]: Kernels[K] extends (...args: infer A) => infer R ? (...args: { [I in keyof A]: Float32Arg<A[I]> }) => R : never;
};

/**
 * A Backend from float32 kernels: float32 calls go to them, float64 calls
 * to the reference backend. The first array of a call decides (a call that
 * mixes the two is a caller's bug, as it would be anywhere).
 *
 * @example
 *   class NativeBackend extends Float32Backend {
 *     readonly name = 'native';
 *     constructor() { super(new NativeKernels(loadNativeAddon()!)); }
 *   }
 */
export abstract class Float32Backend implements Backend {
  abstract readonly name: string;
  /** Where float64 calls go. */
  private readonly reference: Kernels = new ReferenceBackend();
  private readonly float32: Kernels;

  constructor(float32: Float32Kernels) {
    // Their arguments are float32 whenever `by` picks them: the one check, made per call.
    this.float32 = float32 as unknown as Kernels;
  }

  /** The kernels for a call whose first array is `data`. */
  private by(data: FloatArray): Kernels {
    return data instanceof Float32Array ? this.float32 : this.reference;
  }

  gemm(a: Matrix, transA: boolean, b: Matrix, transB: boolean, out: Matrix, alpha: number, beta: number): void {
    this.by(a.data).gemm(a, transA, b, transB, out, alpha, beta);
  }

  addRowVector(m: Matrix, v: FloatArray): void {
    this.by(m.data).addRowVector(m, v);
  }

  sumRows(m: Matrix, out: FloatArray): void {
    this.by(m.data).sumRows(m, out);
  }

  activationForward(kind: ActivationKind, slope: number, z: Matrix, a: Matrix): void {
    this.by(z.data).activationForward(kind, slope, z, a);
  }

  activationBackward(kind: ActivationKind, slope: number, z: Matrix, a: Matrix, da: Matrix, dz: Matrix): void {
    this.by(z.data).activationBackward(kind, slope, z, a, da, dz);
  }

  batchNormTrain(
    z: Matrix, gamma: FloatArray, beta: FloatArray, eps: number, mean: FloatArray, variance: FloatArray,
    invStd: FloatArray, zHat: Matrix, out: Matrix,
  ): void {
    this.by(z.data).batchNormTrain(z, gamma, beta, eps, mean, variance, invStd, zHat, out);
  }

  batchNormEval(
    z: Matrix, gamma: FloatArray, beta: FloatArray, runningMean: FloatArray, runningVar: FloatArray, eps: number,
    out: Matrix,
  ): void {
    this.by(z.data).batchNormEval(z, gamma, beta, runningMean, runningVar, eps, out);
  }

  batchNormBackward(
    dOut: Matrix, zHat: Matrix, gamma: FloatArray, invStd: FloatArray, dz: Matrix, dGamma: FloatArray,
    dBeta: FloatArray,
  ): void {
    this.by(dOut.data).batchNormBackward(dOut, zHat, gamma, invStd, dz, dGamma, dBeta);
  }

  softmax(z: Matrix, probs: Matrix): void {
    this.by(z.data).softmax(z, probs);
  }

  softmaxCrossEntropy(z: Matrix, labels: Int32Array, probs: Matrix, dz: Matrix | null): number {
    return this.by(z.data).softmaxCrossEntropy(z, labels, probs, dz);
  }

  sigmoidBinaryCrossEntropy(z: Matrix, labels: Int32Array, probs: Matrix, dz: Matrix | null): number {
    return this.by(z.data).sigmoidBinaryCrossEntropy(z, labels, probs, dz);
  }

  countCorrect(probs: Matrix, labels: Int32Array): number {
    return this.by(probs.data).countCorrect(probs, labels);
  }

  multiply(a: Matrix, mask: Matrix, out: Matrix): void {
    this.by(a.data).multiply(a, mask, out);
  }

  sgdStep(w: FloatArray, g: FloatArray, lr: number, weightDecay: number): void {
    this.by(w).sgdStep(w, g, lr, weightDecay);
  }

  momentumStep(w: FloatArray, g: FloatArray, v: FloatArray, lr: number, beta: number, weightDecay: number): void {
    this.by(w).momentumStep(w, g, v, lr, beta, weightDecay);
  }

  rmspropStep(w: FloatArray, g: FloatArray, s: FloatArray, lr: number, beta: number, eps: number, weightDecay: number): void {
    this.by(w).rmspropStep(w, g, s, lr, beta, eps, weightDecay);
  }

  adamStep(
    w: FloatArray, g: FloatArray, v: FloatArray, s: FloatArray, lr: number, beta1: number, beta2: number, eps: number,
    t: number, weightDecay: number,
  ): void {
    this.by(w).adamStep(w, g, v, s, lr, beta1, beta2, eps, t, weightDecay);
  }
}
