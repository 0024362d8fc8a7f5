/**
 * The WebAssembly backend: the kernels of wasm/assembly (AssemblyScript,
 * compiled with SIMD to wasm/build/caviar.wasm by `npm run build:wasm`; the
 * build is committed) behind the Backend interface. It runs wherever
 * WebAssembly SIMD and shared memory do: Node 20 on machines without a C
 * compiler (a browser would need cross-origin isolation for the shared
 * memory, and a loader that does not read the file with node:fs).
 *
 * Kernels work on one linear memory, and arrays that live there cost
 * nothing to pass: `allocateFloat32` hands out Float32Array views on it,
 * which layers, optimizers and batch gathering use for their parameters,
 * gradients, moments and workspaces (see `allocate` in tensor.ts), so a
 * training step copies nothing but its batch. Any other Float32Array is
 * copied into a staging area for the call and its results copied back, as
 * before. The memory is shared (a SharedArrayBuffer): growing it leaves
 * every view handed out valid, where a plain memory would detach them all.
 * A view's block returns to the heap once the view is garbage (a
 * FinalizationRegistry); a subarray alone does not keep it, which is why
 * Workspace matrices hold their whole allocation.
 *
 * Float32 only: float64 work (gradient checks, float64 parity runs) goes to
 * the reference backend (float32.ts). The allocator is wasm-heap.ts.
 */
import { readFileSync } from 'node:fs';
import type { ActivationKind } from './backend.js';
import { Float32Backend, type Float32Kernels, type Matrix32 } from './float32.js';
import type { FloatArray } from './tensor.js';
import { checkGemm, shapeError } from './shapes.js';
import { ballast, LinearHeap, roundUp, type LinearMemory } from './wasm-heap.js';

export { LinearHeap, type LinearMemory } from './wasm-heap.js';

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

/**
 * The kernels on linear memory, for float32 arrays (Float32Backend sends
 * float64 calls to the reference backend).
 */
class WasmFloat32 implements Float32Kernels {
  private readonly kernels: WasmKernels;
  private readonly heap: LinearHeap;
  /** Every buffer object linear memory has had (each growth gives a new one): how a resident array is recognised. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** Views on all of linear memory, for staging; remade when it grows. */
  private f32!: Float32Array;
  private i32!: Int32Array;
  /**
   * Returns the block of each view from `allocateFloat32` once the view is
   * garbage. A block of 64 KB or more is held with a ballast: an ArrayBuffer
   * of its size that nothing touches (so it takes no memory), kept until the
   * block is released. V8 schedules collections by the memory it knows of,
   * and linear memory is invisible to it: without the ballast, a process
   * building model after model (a tuner) never gave the collector a reason
   * to run, and its linear memory grew by about 13 MB a model (874 MiB after
   * 55 small trainings; 77 MiB with the ballast).
   */
  private readonly blocks = new FinalizationRegistry<{ at: number; ballast: ArrayBufferLike | null }>((held) => this.heap.release(held.at));
  /** Byte offset of the matrix product's packing scratch. */
  private readonly gemmScratch: number;
  /** The staging area: arguments that live outside linear memory are copied here for one call. */
  private staging = 0;
  private stagingBytes = 0;
  private stagingTop = 0;
  /** Bytes the last call would have liked in the staging area; it grows to that at the next call. */
  private stagingWanted = 0;
  /** Blocks of one call's staged arguments that did not fit the staging area. */
  private readonly overflow: number[] = [];
  /** Outputs to copy back at the end of the call: array, offset, count (no allocation once warm). */
  private readonly pendingArrays: Array<FloatArray | null> = [];
  private readonly pendingOffsets: number[] = [];
  private readonly pendingCounts: number[] = [];
  private pending = 0;

  /**
   * One instance of `module`, hence one linear memory.
   */
  constructor(module: WasmModule) {
    // One instance, hence one linear memory, per backend object.
    this.kernels = new webAssembly.Instance(module, {}).exports as unknown as WasmKernels;
    const memory = this.kernels.memory;
    this.heap = new LinearHeap(memory, this.kernels.heapBase(), () => this.remap());
    this.remap();
    this.gemmScratch = this.heap.alloc(4 * this.kernels.gemmScratchFloats());
  }

  /**
   * A zero-filled Float32Array on linear memory, which every kernel here
   * reads and writes in place. Kept while the array is reachable; a subarray
   * of it does not keep it.
   * @example const w = backend.allocateFloat32(256 * 784); // a dense layer's weights, never copied
   */
  allocateFloat32(length: number): Float32Array {
    if (length === 0) return new Float32Array(0);
    const at = this.heap.alloc(4 * length);
    const view = new Float32Array(this.kernels.memory.buffer, at, length);
    this.buffers.add(view.buffer);
    view.fill(0);
    this.blocks.register(view, { at, ballast: length >= 16384 ? ballast(4 * length) : null });
    return view;
  }

  gemm(a: Matrix32, transA: boolean, b: Matrix32, transB: boolean, out: Matrix32, alpha: number, beta: number): void {
    checkGemm(a, transA, b, transB, out);
    const m = transA ? a.cols : a.rows;
    const k = transA ? a.rows : a.cols;
    const n = transB ? b.rows : b.cols;
    const { kernels } = this;
    this.begin();
    // With beta 0 out is only written: nothing to copy in (and NaN there does not survive, as in the reference).
    const c = beta === 0 ? this.output(out.data, m * n) : this.inout(out.data, m * n);
    if (beta !== 1) kernels.scale(c, m * n, beta);
    if (k > 0 && alpha !== 0) {
      const ap = this.input(a.data, m * k);
      const bp = this.input(b.data, k * n);
      kernels.gemm(ap, transA ? 1 : 0, bp, transB ? 1 : 0, c, m, n, k, alpha, this.gemmScratch);
    }
    this.end();
  }

  addRowVector(m: Matrix32, v: Float32Array): void {
    if (v.length !== m.cols) throw shapeError('addRowVector', `matrix has ${m.cols} columns, vector ${v.length}`);
    this.begin();
    const mp = this.inout(m.data, m.rows * m.cols);
    this.kernels.addRowVector(mp, m.rows, m.cols, this.input(v, v.length));
    this.end();
  }

  sumRows(m: Matrix32, out: Float32Array): void {
    if (out.length !== m.cols) throw shapeError('sumRows', `matrix has ${m.cols} columns, out ${out.length}`);
    this.begin();
    this.kernels.sumRows(this.input(m.data, m.rows * m.cols), m.rows, m.cols, this.output(out, m.cols));
    this.end();
  }

  activationForward(kind: ActivationKind, slope: number, z: Matrix32, a: Matrix32): void {
    const n = z.rows * z.cols;
    if (a.rows * a.cols !== n) throw shapeError('activationForward', `z has ${n} values, a ${a.rows * a.cols}`);
    this.begin();
    const zp = this.input(z.data, n);
    this.kernels.activationForward(ACTIVATION[kind], slope, zp, this.output(a.data, n), n);
    this.end();
  }

  activationBackward(kind: ActivationKind, slope: number, z: Matrix32, a: Matrix32, da: Matrix32, dz: Matrix32): void {
    const n = z.rows * z.cols;
    if (da.rows * da.cols !== n || dz.rows * dz.cols !== n) {
      throw shapeError('activationBackward', `z has ${n} values, da ${da.rows * da.cols}, dz ${dz.rows * dz.cols}`);
    }
    this.begin();
    // ReLU-like kinds read z, tanh and sigmoid read a: pass only what the kernel reads.
    const readsOutput = kind === 'tanh' || kind === 'sigmoid';
    const zp = kind === 'linear' || readsOutput ? 0 : this.input(z.data, n);
    const ap = readsOutput ? this.input(a.data, n) : 0;
    const dap = this.input(da.data, n);
    this.kernels.activationBackward(ACTIVATION[kind], slope, zp, ap, dap, this.output(dz.data, n), n);
    this.end();
  }

  batchNormTrain(
    z: Matrix32, gamma: Float32Array, beta: Float32Array, eps: number, mean: Float32Array, variance: Float32Array,
    invStd: Float32Array, zHat: Matrix32, out: Matrix32,
  ): void {
    const { rows: m, cols: n } = z;
    this.begin();
    const zp = this.input(z.data, m * n);
    const gp = this.input(gamma, n), bp = this.input(beta, n);
    const meanP = this.output(mean, n), varP = this.output(variance, n), invP = this.output(invStd, n);
    this.kernels.batchNormTrain(zp, m, n, gp, bp, eps, meanP, varP, invP, this.output(zHat.data, m * n), this.output(out.data, m * n));
    this.end();
  }

  batchNormEval(
    z: Matrix32, gamma: Float32Array, beta: Float32Array, runningMean: Float32Array, runningVar: Float32Array, eps: number,
    out: Matrix32,
  ): void {
    const { rows: m, cols: n } = z;
    this.begin();
    const zp = this.input(z.data, m * n);
    const gp = this.input(gamma, n), bp = this.input(beta, n);
    const rm = this.input(runningMean, n), rv = this.input(runningVar, n);
    this.kernels.batchNormEval(zp, m, n, gp, bp, rm, rv, eps, this.output(out.data, m * n), this.scratch(n));
    this.end();
  }

  batchNormBackward(
    dOut: Matrix32, zHat: Matrix32, gamma: Float32Array, invStd: Float32Array, dz: Matrix32, dGamma: Float32Array,
    dBeta: Float32Array,
  ): void {
    const { rows: m, cols: n } = dOut;
    this.begin();
    const gOut = this.input(dOut.data, m * n), hp = this.input(zHat.data, m * n);
    const gp = this.input(gamma, n), ip = this.input(invStd, n);
    const dzp = this.output(dz.data, m * n), dgp = this.output(dGamma, n), dbp = this.output(dBeta, n);
    this.kernels.batchNormBackward(gOut, hp, m, n, gp, ip, dzp, dgp, dbp, this.scratch(n));
    this.end();
  }

  softmax(z: Matrix32, probs: Matrix32): void {
    const count = z.rows * z.cols;
    this.begin();
    const zp = this.input(z.data, count);
    this.kernels.softmax(zp, z.rows, z.cols, this.output(probs.data, count));
    this.end();
  }

  softmaxCrossEntropy(z: Matrix32, labels: Int32Array, probs: Matrix32, dz: Matrix32 | null): number {
    const { rows: m, cols: c } = z;
    const count = m * c;
    this.checkLabels(labels, m, c);
    this.begin();
    const zp = this.input(z.data, count);
    const lp = this.labels(labels, m);
    const pp = this.output(probs.data, count);
    const dzp = dz ? this.output(dz.data, count) : 0;
    const loss = this.kernels.softmaxCrossEntropy(zp, m, c, lp, pp, dzp);
    this.end();
    return loss;
  }

  sigmoidBinaryCrossEntropy(z: Matrix32, labels: Int32Array, probs: Matrix32, dz: Matrix32 | null): number {
    const m = z.rows;
    this.begin();
    const zp = this.input(z.data, m);
    const lp = this.labels(labels, m);
    const pp = this.output(probs.data, m);
    const dzp = dz ? this.output(dz.data, m) : 0;
    const loss = this.kernels.sigmoidBinaryCrossEntropy(zp, m, lp, pp, dzp);
    this.end();
    return loss;
  }

  countCorrect(probs: Matrix32, labels: Int32Array): number {
    const { rows: m, cols: c } = probs;
    this.begin();
    const correct = this.kernels.countCorrect(this.input(probs.data, m * c), m, c, this.labels(labels, m));
    this.end();
    return correct;
  }

  multiply(a: Matrix32, mask: Matrix32, out: Matrix32): void {
    const n = a.rows * a.cols;
    this.begin();
    const ap = this.input(a.data, n), kp = this.input(mask.data, n);
    this.kernels.multiply(ap, kp, this.output(out.data, n), n);
    this.end();
  }

  sgdStep(w: Float32Array, g: Float32Array, lr: number, weightDecay: number): void {
    const n = w.length;
    this.begin();
    const wp = this.inout(w, n);
    this.kernels.sgdStep(wp, this.input(g, n), n, lr, weightDecay);
    this.end();
  }

  momentumStep(w: Float32Array, g: Float32Array, v: Float32Array, lr: number, beta: number, weightDecay: number): void {
    const n = w.length;
    this.begin();
    const wp = this.inout(w, n), gp = this.input(g, n), vp = this.inout(v, n);
    this.kernels.momentumStep(wp, gp, vp, n, lr, beta, weightDecay);
    this.end();
  }

  rmspropStep(
    w: Float32Array, g: Float32Array, s: Float32Array, lr: number, beta: number, eps: number, weightDecay: number,
  ): void {
    const n = w.length;
    this.begin();
    const wp = this.inout(w, n), gp = this.input(g, n), sp = this.inout(s, n);
    this.kernels.rmspropStep(wp, gp, sp, n, lr, beta, eps, weightDecay);
    this.end();
  }

  adamStep(
    w: Float32Array, g: Float32Array, v: Float32Array, s: Float32Array, lr: number, beta1: number, beta2: number, eps: number,
    t: number, weightDecay: number,
  ): void {
    const n = w.length;
    this.begin();
    const wp = this.inout(w, n), gp = this.input(g, n), vp = this.inout(v, n), sp = this.inout(s, n);
    // The bias corrections, computed once in float64 as the reference does.
    const c1 = 1 - Math.pow(beta1, t);
    const c2 = 1 - Math.pow(beta2, t);
    this.kernels.adamStep(wp, gp, vp, sp, n, lr, beta1, beta2, eps, c1, c2, weightDecay);
    this.end();
  }

  // One call's arguments: begin(), then input/output/inout/labels/scratch for each, the kernel, then end().

  /** Byte offset of `data` when it lives in this backend's linear memory, else -1. */
  private resident(data: FloatArray | Int32Array): number {
    return this.buffers.has(data.buffer) ? data.byteOffset : -1;
  }

  /** Starts a call: empties the staging area, grown first to what the last call wanted. */
  private begin(): void {
    for (const at of this.overflow) this.heap.release(at);
    this.overflow.length = 0;
    if (this.stagingWanted > this.stagingBytes) {
      if (this.stagingBytes > 0) this.heap.release(this.staging);
      this.stagingBytes = roundUp(this.stagingWanted);
      this.staging = this.heap.alloc(this.stagingBytes);
    }
    this.stagingTop = 0;
    this.pending = 0;
  }

  /** Room for `count` 4-byte values in the staging area; returns its byte offset. */
  private stage(count: number): number {
    const size = roundUp(4 * count);
    const top = this.stagingTop + size;
    this.stagingWanted = Math.max(this.stagingWanted, top);
    if (top <= this.stagingBytes) {
      this.stagingTop = top;
      return this.staging + top - size;
    }
    const at = this.heap.alloc(size);
    this.overflow.push(at);
    return at;
  }

  /** An argument the kernel reads: its own offset, or a staged copy of its first `count` values. */
  private input(data: FloatArray, count: number): number {
    const at = this.resident(data);
    if (at >= 0) return at;
    const staged = this.stage(count);
    this.f32.set(count === data.length ? data : data.subarray(0, count), staged >>> 2);
    return staged;
  }

  /** An argument the kernel writes: its own offset, or staged room copied back into it at `end`. */
  private output(data: FloatArray, count: number): number {
    const at = this.resident(data);
    if (at >= 0) return at;
    const staged = this.stage(count);
    const i = this.pending++;
    this.pendingArrays[i] = data;
    this.pendingOffsets[i] = staged;
    this.pendingCounts[i] = count;
    return staged;
  }

  /** An argument the kernel reads and writes. */
  private inout(data: FloatArray, count: number): number {
    const at = this.resident(data);
    if (at >= 0) return at;
    const staged = this.output(data, count);
    this.f32.set(count === data.length ? data : data.subarray(0, count), staged >>> 2);
    return staged;
  }

  /** Class labels, always staged (one batch of 4-byte integers). */
  private labels(labels: Int32Array, count: number): number {
    const staged = this.stage(count);
    this.i32.set(count === labels.length ? labels : labels.subarray(0, count), staged >>> 2);
    return staged;
  }

  /** Scratch room for a kernel. */
  private scratch(count: number): number {
    return this.stage(count);
  }

  /** Ends a call: copies staged outputs back into their arrays. */
  private end(): void {
    for (let i = 0; i < this.pending; i++) {
      const at = this.pendingOffsets[i] >>> 2;
      this.pendingArrays[i]!.set(this.f32.subarray(at, at + this.pendingCounts[i]));
      this.pendingArrays[i] = null;
    }
    this.pending = 0;
  }

  /** New views on all of linear memory, after it grew (the old ones still see only the old length). */
  private remap(): void {
    const buffer = this.kernels.memory.buffer;
    this.buffers.add(buffer);
    this.f32 = new Float32Array(buffer);
    this.i32 = new Int32Array(buffer);
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

export class WasmBackend extends Float32Backend {
  readonly name = 'wasm';
  private readonly memory: WasmFloat32;

  /**
   * `module`: the compiled caviar.wasm; by default the committed build, read
   * from disk. A browser page fetches and compiles the file itself and
   * passes it here (the dashboard's predictions worker).
   * @example const backend = new WasmBackend(); backend.gemm(x, false, w, true, z, 1, 0); // z = x W^T
   */
  constructor(module: WasmModule | null = loadWasmModule()) {
    if (!module) {
      throw new Error(`the WebAssembly backend cannot load ${WASM_URL.pathname} (missing, or no WebAssembly SIMD or shared memory here)`);
    }
    const memory = new WasmFloat32(module);
    super(memory);
    this.memory = memory;
  }

  /**
   * A zero-filled Float32Array on linear memory, which every kernel here
   * reads and writes in place. Kept while the array is reachable; a subarray
   * of it does not keep it.
   * @example const w = backend.allocateFloat32(256 * 784); // a dense layer's weights, never copied
   */
  allocateFloat32(length: number): Float32Array {
    return this.memory.allocateFloat32(length);
  }
}
