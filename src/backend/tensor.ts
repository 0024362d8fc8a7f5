/**
 * Dense row-major matrices over typed arrays: the only tensor type caviar
 * needs. A batch of examples is a matrix of shape [batch][features]; a dense
 * layer's weights are [out][in], as in the course and in PyTorch.
 *
 * Training runs in float32. Float64 exists so that gradient checking and the
 * PyTorch parity tests can run the very same layers at double precision.
 */

import type { Backend } from './backend.js';

export type DType = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;

/**
 * A zero-filled array of `length` values. Float32 storage comes from the
 * backend when it keeps its own (`Backend.allocateFloat32`: the WebAssembly
 * backend's linear memory), so that its kernels need not copy it.
 * @example const w = allocate('float32', 256 * 784, model.backend);
 */
export function allocate(dtype: DType, length: number, backend?: Backend | null): FloatArray {
  if (dtype === 'float64') return new Float64Array(length);
  return backend?.allocateFloat32 ? backend.allocateFloat32(length) : new Float32Array(length);
}

export function dtypeOf(data: FloatArray): DType {
  return data instanceof Float64Array ? 'float64' : 'float32';
}

export class Matrix {
  /**
   * @example
   *   const m = new Matrix(2, 3, new Float32Array([1, 2, 3, 4, 5, 6]));
   *   m.get(1, 0); // 4
   */
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly data: FloatArray,
    /**
     * The allocation `data` is a view of, when that is not `data` itself (a
     * Workspace's buffer): held so that the storage lives as long as the
     * matrix, which matters for backend storage freed once unreachable.
     */
    readonly storage: FloatArray = data,
  ) {
    if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
      throw new RangeError(`Matrix shape must be non-negative integers, got [${rows}][${cols}]`);
    }
    if (data.length < rows * cols) {
      throw new RangeError(`Matrix [${rows}][${cols}] needs ${rows * cols} values, its buffer holds ${data.length}`);
    }
  }

  static zeros(rows: number, cols: number, dtype: DType = 'float32'): Matrix {
    return new Matrix(rows, cols, allocate(dtype, rows * cols));
  }

  /** Builds a matrix from nested arrays, checking that every row has the same length. */
  static fromRows(rows: readonly (readonly number[])[], dtype: DType = 'float32', what = 'matrix'): Matrix {
    const cols = rows.length > 0 ? rows[0].length : 0;
    const m = Matrix.zeros(rows.length, cols, dtype);
    rows.forEach((row, i) => {
      if (row.length !== cols) {
        throw new RangeError(`${what}: row ${i} has ${row.length} values, row 0 has ${cols}`);
      }
      m.data.set(row, i * cols);
    });
    return m;
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  get(i: number, j: number): number {
    return this.data[i * this.cols + j];
  }

  set(i: number, j: number, value: number): void {
    this.data[i * this.cols + j] = value;
  }

  /** Nested arrays, for printing and tests. */
  toRows(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) out.push(Array.from(this.data.subarray(i * this.cols, (i + 1) * this.cols)));
    return out;
  }
}

/**
 * A reusable buffer for a matrix whose row count changes between batches
 * (the last mini-batch of an epoch is usually smaller). Views are cached per
 * row count, so a training loop allocates nothing after its first epoch.
 */
export class Workspace {
  private buffer: FloatArray;
  private readonly views = new Map<number, Matrix>();

  /** With a backend, float32 storage comes from it (see `allocate`). */
  constructor(
    readonly cols: number,
    readonly dtype: DType,
    private readonly backend: Backend | null = null,
  ) {
    this.buffer = allocate(dtype, 0);
  }

  /** A [rows][cols] matrix over this workspace's memory; contents are undefined. */
  view(rows: number): Matrix {
    let m = this.views.get(rows);
    if (m) return m;
    if (rows * this.cols > this.buffer.length) {
      this.buffer = allocate(this.dtype, rows * this.cols, this.backend);
      this.views.clear();
    }
    m = new Matrix(rows, this.cols, this.buffer.subarray(0, rows * this.cols), this.buffer);
    this.views.set(rows, m);
    return m;
  }
}
