/**
 * The WebAssembly backend: the kernels of wasm/assembly (AssemblyScript,
 * compiled with SIMD to wasm/build/caviar.wasm by `npm run build:wasm`; the
 * build is committed) behind the Backend interface. It runs wherever
 * WebAssembly SIMD does: machines without a C compiler, and browsers.
 *
 * Kernels work on one linear memory. Each call copies its Float32Array
 * arguments into an arena there, runs, and copies the results back; the
 * arena is reset at every call and grows (never shrinks) to the largest call
 * seen, so a training loop allocates nothing after its first step. Matrix
 * products use a fixed scratch area below the arena for their packed panels.
 * Float32 only: float64 work (gradient checks, float64 parity runs) goes to
 * the reference backend, which is exact there, as in the native backend.
 */
import { readFileSync } from 'node:fs';
import type { ActivationKind, Backend } from './backend.js';
import { ReferenceBackend } from './reference.js';
import type { FloatArray, Matrix } from './tensor.js';

/**
 * The parts of the WebAssembly JavaScript API used here. The project compiles
 * against lib ES2022 and @types/node, neither of which declares WebAssembly,
 * so it is typed here instead of widening the project's lib settings.
 */
export interface WebAssemblyApi {
  Module: {
    new (bytes: Uint8Array): WasmModule;
    exports(module: WasmModule): Array<{ name: string; kind: string }>;
    imports(module: WasmModule): Array<{ module: string; name: string; kind: string }>;
  };
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
}

/** A compiled WebAssembly.Module (opaque). */
export interface WasmModule {
  readonly [Symbol.toStringTag]: string;
}

/** A WebAssembly.Memory: its buffer is replaced (the old one detached) when it grows. */
export interface LinearMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The runtime's WebAssembly object. */
export const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** What wasm/assembly/index.ts exports. Pointers are byte offsets into `memory`; 0 means none. */
export interface WasmKernels {
  memory: LinearMemory;
  heapBase(): number;
  gemmScratchFloats(): number;
  gemm(a: number, transA: number, b: number, transB: number, c: number, m: number, n: number, k: number, alpha: number, scratch: number): void;
  scale(c: number, count: number, beta: number): void;
  addRowVector(m: number, rows: number, cols: number, v: number): void;
  sumRows(m: number, rows: number, cols: number, out: number): void;
  activationForward(kind: number, slope: number, z: number, a: number, n: number): void;
  activationBackward(kind: number, slope: number, z: number, a: number, da: number, dz: number, n: number): void;
  batchNormTrain(
    z: number, m: number, n: number, gamma: number, beta: number, eps: number,
    mean: number, variance: number, invStd: number, zHat: number, out: number,
  ): void;
  batchNormEval(
    z: number, m: number, n: number, gamma: number, beta: number, runningMean: number, runningVar: number, eps: number,
    out: number, scratch: number,
  ): void;
  batchNormBackward(
    dOut: number, zHat: number, m: number, n: number, gamma: number, invStd: number,
    dz: number, dGamma: number, dBeta: number, scratch: number,
  ): void;
  softmax(z: number, m: number, c: number, probs: number): void;
  softmaxCrossEntropy(z: number, m: number, c: number, labels: number, probs: number, dz: number): number;
  sigmoidBinaryCrossEntropy(z: number, m: number, labels: number, probs: number, dz: number): number;
  countCorrect(probs: number, m: number, c: number, labels: number): number;
  multiply(a: number, mask: number, out: number, n: number): void;
  sgdStep(w: number, g: number, n: number, lr: number, weightDecay: number): void;
  momentumStep(w: number, g: number, v: number, n: number, lr: number, beta: number, weightDecay: number): void;
  rmspropStep(w: number, g: number, s: number, n: number, lr: number, beta: number, eps: number, weightDecay: number): void;
  adamStep(
    w: number, g: number, v: number, s: number, n: number, lr: number, beta1: number, beta2: number, eps: number,
    c1: number, c2: number, weightDecay: number,
  ): void;
}

/** The committed build, relative to this file in src/backend/ (tsx) or dist/backend/ (npm run build). */
export const WASM_URL = new URL('../../wasm/build/caviar.wasm', import.meta.url);

let compiled: WasmModule | null | undefined;

/** The compiled module, or null when the file is missing or this runtime lacks WebAssembly SIMD. Compiled once. */
export function loadWasmModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      compiled = new webAssembly.Module(readFileSync(WASM_URL));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Activation codes of wasm/assembly/ops.ts. */
const ACTIVATION: Record<ActivationKind, number> = { linear: 0, relu: 1, leakyRelu: 2, tanh: 3, sigmoid: 4 };

const PAGE = 65536;
/** Every block starts on a cache line. */
const ALIGN = 64;

function shapeError(what: string, detail: string): RangeError {
  return new RangeError(`${what}: shape mismatch: ${detail}`);
}

/**
 * Bump allocation in linear memory above a fixed start: `reset` at the start
 * of each call, then `put` inputs, `alloc` outputs, and `get` results back.
 * Growing the memory detaches the old views, so they are rebuilt then.
 */
class Arena {
  f32: Float32Array;
  i32: Int32Array;
  private top: number;

  constructor(
    private readonly memory: LinearMemory,
    private readonly start: number,
  ) {
    this.top = start;
    this.f32 = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
    this.reserve(start);
  }

  reset(): void {
    this.top = this.start;
  }

  /** Room for `count` 4-byte values; returns its byte offset. */
  alloc(count: number): number {
    const ptr = this.top;
    this.top = Math.ceil((ptr + 4 * count) / ALIGN) * ALIGN;
    this.reserve(this.top);
    return ptr;
  }

  /** Copies the first `count` values of `data` in; returns their byte offset. */
  put(data: FloatArray, count: number = data.length): number {
    const ptr = this.alloc(count);
    this.f32.set(count === data.length ? data : data.subarray(0, count), ptr >>> 2);
    return ptr;
  }

  putLabels(labels: Int32Array, count: number): number {
    const ptr = this.alloc(count);
    this.i32.set(count === labels.length ? labels : labels.subarray(0, count), ptr >>> 2);
    return ptr;
  }

  /** Copies `count` values at `ptr` back into `out`. */
  get(ptr: number, out: FloatArray, count: number = out.length): void {
    out.set(this.f32.subarray(ptr >>> 2, (ptr >>> 2) + count));
  }

  private reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    this.memory.grow(Math.ceil((bytes - have) / PAGE));
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
  }
}

export class WasmBackend implements Backend {
  readonly name = 'wasm';
  private readonly kernels: WasmKernels;
  private readonly arena: Arena;
  /** Byte offset of the matrix product's packing scratch, just below the arena. */
  private readonly gemmScratch: number;
  /** Float64 arrays go here: the wasm kernels are float32 only. */
  private readonly reference = new ReferenceBackend();

  /** @example const backend = new WasmBackend(); backend.gemm(x, false, w, true, z, 1, 0); // z = x W^T */
  constructor() {
    const module = loadWasmModule();
    if (!module) throw new Error(`the WebAssembly backend cannot load ${WASM_URL.pathname} (missing, or no WebAssembly SIMD here)`);
    // One instance, hence one linear memory, per backend object.
    this.kernels = new webAssembly.Instance(module, {}).exports as unknown as WasmKernels;
    this.gemmScratch = Math.ceil(this.kernels.heapBase() / ALIGN) * ALIGN;
    this.arena = new Arena(this.kernels.memory, this.gemmScratch + 4 * this.kernels.gemmScratchFloats());
  }

  gemm(a: Matrix, transA: boolean, b: Matrix, transB: boolean, out: Matrix, alpha: number, beta: number): void {
    if (!(a.data instanceof Float32Array)) return this.reference.gemm(a, transA, b, transB, out, alpha, beta);
    const m = transA ? a.cols : a.rows;
    const k = transA ? a.rows : a.cols;
    const kb = transB ? b.cols : b.rows;
    const n = transB ? b.rows : b.cols;
    if (k !== kb || out.rows !== m || out.cols !== n) {
      throw shapeError('gemm', `op(a) is [${m}][${k}], op(b) is [${kb}][${n}], out is [${out.rows}][${out.cols}]`);
    }
    const { arena, kernels } = this;
    arena.reset();
    // With beta 0 out is only written: nothing to copy in (and NaN there does not survive, as in the reference).
    const c = beta === 0 ? arena.alloc(m * n) : arena.put(out.data, m * n);
    if (beta !== 1) kernels.scale(c, m * n, beta);
    if (k > 0 && alpha !== 0) {
      const ap = arena.put(a.data, m * k);
      const bp = arena.put(b.data, k * n);
      kernels.gemm(ap, transA ? 1 : 0, bp, transB ? 1 : 0, c, m, n, k, alpha, this.gemmScratch);
    }
    arena.get(c, out.data, m * n);
  }

  addRowVector(m: Matrix, v: FloatArray): void {
    if (!(m.data instanceof Float32Array)) return this.reference.addRowVector(m, v);
    if (v.length !== m.cols) throw shapeError('addRowVector', `matrix has ${m.cols} columns, vector ${v.length}`);
    const { arena } = this;
    arena.reset();
    const mp = arena.put(m.data, m.rows * m.cols);
    this.kernels.addRowVector(mp, m.rows, m.cols, arena.put(v));
    arena.get(mp, m.data, m.rows * m.cols);
  }

  sumRows(m: Matrix, out: FloatArray): void {
    if (!(m.data instanceof Float32Array)) return this.reference.sumRows(m, out);
    if (out.length !== m.cols) throw shapeError('sumRows', `matrix has ${m.cols} columns, out ${out.length}`);
    const { arena } = this;
    arena.reset();
    const mp = arena.put(m.data, m.rows * m.cols);
    const op = arena.alloc(m.cols);
    this.kernels.sumRows(mp, m.rows, m.cols, op);
    arena.get(op, out);
  }

  activationForward(kind: ActivationKind, slope: number, z: Matrix, a: Matrix): void {
    if (!(z.data instanceof Float32Array)) return this.reference.activationForward(kind, slope, z, a);
    const n = z.rows * z.cols;
    if (a.rows * a.cols !== n) throw shapeError('activationForward', `z has ${n} values, a ${a.rows * a.cols}`);
    const { arena } = this;
    arena.reset();
    const zp = arena.put(z.data, n);
    const ap = arena.alloc(n);
    this.kernels.activationForward(ACTIVATION[kind], slope, zp, ap, n);
    arena.get(ap, a.data, n);
  }

  activationBackward(kind: ActivationKind, slope: number, z: Matrix, a: Matrix, da: Matrix, dz: Matrix): void {
    if (!(z.data instanceof Float32Array)) return this.reference.activationBackward(kind, slope, z, a, da, dz);
    const n = z.rows * z.cols;
    if (da.rows * da.cols !== n || dz.rows * dz.cols !== n) {
      throw shapeError('activationBackward', `z has ${n} values, da ${da.rows * da.cols}, dz ${dz.rows * dz.cols}`);
    }
    const { arena } = this;
    arena.reset();
    // ReLU-like kinds read z, tanh and sigmoid read a: copy only what the kernel reads.
    const readsOutput = kind === 'tanh' || kind === 'sigmoid';
    const zp = kind === 'linear' || readsOutput ? 0 : arena.put(z.data, n);
    const ap = readsOutput ? arena.put(a.data, n) : 0;
    const dap = arena.put(da.data, n);
    const dzp = arena.alloc(n);
    this.kernels.activationBackward(ACTIVATION[kind], slope, zp, ap, dap, dzp, n);
    arena.get(dzp, dz.data, n);
  }

  batchNormTrain(
    z: Matrix, gamma: FloatArray, beta: FloatArray, eps: number, mean: FloatArray, variance: FloatArray,
    invStd: FloatArray, zHat: Matrix, out: Matrix,
  ): void {
    if (!(z.data instanceof Float32Array)) {
      return this.reference.batchNormTrain(z, gamma, beta, eps, mean, variance, invStd, zHat, out);
    }
    const { rows: m, cols: n } = z;
    const { arena } = this;
    arena.reset();
    const zp = arena.put(z.data, m * n);
    const gp = arena.put(gamma, n), bp = arena.put(beta, n);
    const meanP = arena.alloc(n), varP = arena.alloc(n), invP = arena.alloc(n);
    const hp = arena.alloc(m * n), op = arena.alloc(m * n);
    this.kernels.batchNormTrain(zp, m, n, gp, bp, eps, meanP, varP, invP, hp, op);
    arena.get(meanP, mean, n);
    arena.get(varP, variance, n);
    arena.get(invP, invStd, n);
    arena.get(hp, zHat.data, m * n);
    arena.get(op, out.data, m * n);
  }

  batchNormEval(
    z: Matrix, gamma: FloatArray, beta: FloatArray, runningMean: FloatArray, runningVar: FloatArray, eps: number,
    out: Matrix,
  ): void {
    if (!(z.data instanceof Float32Array)) {
      return this.reference.batchNormEval(z, gamma, beta, runningMean, runningVar, eps, out);
    }
    const { rows: m, cols: n } = z;
    const { arena } = this;
    arena.reset();
    const zp = arena.put(z.data, m * n);
    const gp = arena.put(gamma, n), bp = arena.put(beta, n);
    const rm = arena.put(runningMean, n), rv = arena.put(runningVar, n);
    const op = arena.alloc(m * n);
    this.kernels.batchNormEval(zp, m, n, gp, bp, rm, rv, eps, op, arena.alloc(n));
    arena.get(op, out.data, m * n);
  }

  batchNormBackward(
    dOut: Matrix, zHat: Matrix, gamma: FloatArray, invStd: FloatArray, dz: Matrix, dGamma: FloatArray,
    dBeta: FloatArray,
  ): void {
    if (!(dOut.data instanceof Float32Array)) {
      return this.reference.batchNormBackward(dOut, zHat, gamma, invStd, dz, dGamma, dBeta);
    }
    const { rows: m, cols: n } = dOut;
    const { arena } = this;
    arena.reset();
    const gOut = arena.put(dOut.data, m * n), hp = arena.put(zHat.data, m * n);
    const gp = arena.put(gamma, n), ip = arena.put(invStd, n);
    const dzp = arena.alloc(m * n), dgp = arena.alloc(n), dbp = arena.alloc(n);
    this.kernels.batchNormBackward(gOut, hp, m, n, gp, ip, dzp, dgp, dbp, arena.alloc(n));
    arena.get(dzp, dz.data, m * n);
    arena.get(dgp, dGamma, n);
    arena.get(dbp, dBeta, n);
  }

  softmax(z: Matrix, probs: Matrix): void {
    if (!(z.data instanceof Float32Array)) return this.reference.softmax(z, probs);
    const count = z.rows * z.cols;
    const { arena } = this;
    arena.reset();
    const zp = arena.put(z.data, count);
    const pp = arena.alloc(count);
    this.kernels.softmax(zp, z.rows, z.cols, pp);
    arena.get(pp, probs.data, count);
  }

  softmaxCrossEntropy(z: Matrix, labels: Int32Array, probs: Matrix, dz: Matrix | null): number {
    if (!(z.data instanceof Float32Array)) return this.reference.softmaxCrossEntropy(z, labels, probs, dz);
    const { rows: m, cols: c } = z;
    const count = m * c;
    this.checkLabels(labels, m, c);
    const { arena } = this;
    arena.reset();
    const zp = arena.put(z.data, count);
    const lp = arena.putLabels(labels, m);
    const pp = arena.alloc(count);
    const dzp = dz ? arena.alloc(count) : 0;
    const loss = this.kernels.softmaxCrossEntropy(zp, m, c, lp, pp, dzp);
    arena.get(pp, probs.data, count);
    if (dz) arena.get(dzp, dz.data, count);
    return loss;
  }

  sigmoidBinaryCrossEntropy(z: Matrix, labels: Int32Array, probs: Matrix, dz: Matrix | null): number {
    if (!(z.data instanceof Float32Array)) return this.reference.sigmoidBinaryCrossEntropy(z, labels, probs, dz);
    const m = z.rows;
    const { arena } = this;
    arena.reset();
    const zp = arena.put(z.data, m);
    const lp = arena.putLabels(labels, m);
    const pp = arena.alloc(m);
    const dzp = dz ? arena.alloc(m) : 0;
    const loss = this.kernels.sigmoidBinaryCrossEntropy(zp, m, lp, pp, dzp);
    arena.get(pp, probs.data, m);
    if (dz) arena.get(dzp, dz.data, m);
    return loss;
  }

  countCorrect(probs: Matrix, labels: Int32Array): number {
    if (!(probs.data instanceof Float32Array)) return this.reference.countCorrect(probs, labels);
    const { rows: m, cols: c } = probs;
    const { arena } = this;
    arena.reset();
    const pp = arena.put(probs.data, m * c);
    return this.kernels.countCorrect(pp, m, c, arena.putLabels(labels, m));
  }

  multiply(a: Matrix, mask: Matrix, out: Matrix): void {
    if (!(a.data instanceof Float32Array)) return this.reference.multiply(a, mask, out);
    const n = a.rows * a.cols;
    const { arena } = this;
    arena.reset();
    const ap = arena.put(a.data, n), kp = arena.put(mask.data, n);
    const op = arena.alloc(n);
    this.kernels.multiply(ap, kp, op, n);
    arena.get(op, out.data, n);
  }

  sgdStep(w: FloatArray, g: FloatArray, lr: number, weightDecay: number): void {
    if (!(w instanceof Float32Array)) return this.reference.sgdStep(w, g, lr, weightDecay);
    const { arena } = this;
    arena.reset();
    const wp = arena.put(w), gp = arena.put(g, w.length);
    this.kernels.sgdStep(wp, gp, w.length, lr, weightDecay);
    arena.get(wp, w);
  }

  momentumStep(w: FloatArray, g: FloatArray, v: FloatArray, lr: number, beta: number, weightDecay: number): void {
    if (!(w instanceof Float32Array)) return this.reference.momentumStep(w, g, v, lr, beta, weightDecay);
    const { arena } = this;
    arena.reset();
    const wp = arena.put(w), gp = arena.put(g, w.length), vp = arena.put(v, w.length);
    this.kernels.momentumStep(wp, gp, vp, w.length, lr, beta, weightDecay);
    arena.get(wp, w);
    arena.get(vp, v, w.length);
  }

  rmspropStep(
    w: FloatArray, g: FloatArray, s: FloatArray, lr: number, beta: number, eps: number, weightDecay: number,
  ): void {
    if (!(w instanceof Float32Array)) return this.reference.rmspropStep(w, g, s, lr, beta, eps, weightDecay);
    const { arena } = this;
    arena.reset();
    const wp = arena.put(w), gp = arena.put(g, w.length), sp = arena.put(s, w.length);
    this.kernels.rmspropStep(wp, gp, sp, w.length, lr, beta, eps, weightDecay);
    arena.get(wp, w);
    arena.get(sp, s, w.length);
  }

  adamStep(
    w: FloatArray, g: FloatArray, v: FloatArray, s: FloatArray, lr: number, beta1: number, beta2: number, eps: number,
    t: number, weightDecay: number,
  ): void {
    if (!(w instanceof Float32Array)) {
      return this.reference.adamStep(w, g, v, s, lr, beta1, beta2, eps, t, weightDecay);
    }
    const n = w.length;
    const { arena } = this;
    arena.reset();
    const wp = arena.put(w), gp = arena.put(g, n), vp = arena.put(v, n), sp = arena.put(s, n);
    // The bias corrections, computed once in float64 as the reference does.
    const c1 = 1 - Math.pow(beta1, t);
    const c2 = 1 - Math.pow(beta2, t);
    this.kernels.adamStep(wp, gp, vp, sp, n, lr, beta1, beta2, eps, c1, c2, weightDecay);
    arena.get(wp, w);
    arena.get(vp, v, n);
    arena.get(sp, s, n);
  }

  /** A label outside 0..c-1 would read outside its row in linear memory: refuse it, as the native addon does. */
  private checkLabels(labels: Int32Array, m: number, c: number): void {
    if (labels.length < m) throw new RangeError(`softmaxCrossEntropy: ${m} rows, ${labels.length} labels`);
    for (let i = 0; i < m; i++) {
      const y = labels[i];
      if (!(y >= 0 && y < c)) throw new RangeError(`softmaxCrossEntropy: labels [${i}] is ${y}, outside 0..${c - 1}`);
    }
  }
}
