/**
 * The reference backend: plain TypeScript over typed arrays. It is the oracle
 * every faster backend is tested against, so it favours obvious correctness,
 * with loop orders that walk memory contiguously (the innermost loop always
 * runs along a row) and small register blocks where they pay off.
 */
import type { ActivationKind, Backend } from './backend.js';
import type { FloatArray, Matrix } from './tensor.js';
import { checkGemm, shapeError } from './shapes.js';


export class ReferenceBackend implements Backend {
  readonly name = 'reference';
  /** Grow-only scratch for packed operands, two slots per precision: no allocation per step. */
  private readonly scratch32: Float32Array[] = [new Float32Array(0), new Float32Array(0)];
  private readonly scratch64: Float64Array[] = [new Float64Array(0), new Float64Array(0)];

  /** Writes mat^T [cols][rows] into scratch slot `slot` and returns it. */
  private packTransposed(mat: Matrix, slot: number): FloatArray {
    const { rows, cols, data } = mat;
    const size = rows * cols;
    let out: FloatArray;
    if (data instanceof Float64Array) {
      if (this.scratch64[slot].length < size) this.scratch64[slot] = new Float64Array(size);
      out = this.scratch64[slot];
    } else {
      if (this.scratch32[slot].length < size) this.scratch32[slot] = new Float32Array(size);
      out = this.scratch32[slot];
    }
    // Blocked so that both the reads and the writes stay within a few cache lines.
    const B = 32;
    for (let i0 = 0; i0 < rows; i0 += B) {
      const i1 = Math.min(rows, i0 + B);
      for (let j0 = 0; j0 < cols; j0 += B) {
        const j1 = Math.min(cols, j0 + B);
        for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) out[j * rows + i] = data[i * cols + j];
      }
    }
    return out;
  }

  gemm(a: Matrix, transA: boolean, b: Matrix, transB: boolean, out: Matrix, alpha: number, beta: number): void {
    checkGemm(a, transA, b, transB, out);
    const m = transA ? a.cols : a.rows;
    const k = transA ? a.rows : a.cols;
    const n = transB ? b.rows : b.cols;
    const c = out.data;
    if (beta === 0) c.fill(0, 0, m * n);
    else if (beta !== 1) for (let i = 0; i < m * n; i++) c[i] *= beta;
    if (k === 0 || alpha === 0) return;
    // Every form becomes the one fast form, dot products of contiguous rows
    // (c = a' b'^T), by packing transposed operands into scratch memory first.
    // Packing is O(size) against the product's O(m n k).
    const left = transA ? this.packTransposed(a, 0) : a.data;
    const right = transB ? b.data : this.packTransposed(b, 1);
    gemmDotRows(left, right, c, m, n, k, alpha);
  }

  addRowVector(mat: Matrix, v: FloatArray): void {
    const { rows, cols, data } = mat;
    if (v.length !== cols) throw shapeError('addRowVector', `matrix has ${cols} columns, vector ${v.length}`);
    for (let i = 0; i < rows; i++) {
      const row = i * cols;
      for (let j = 0; j < cols; j++) data[row + j] += v[j];
    }
  }

  sumRows(mat: Matrix, out: FloatArray): void {
    const { rows, cols, data } = mat;
    if (out.length !== cols) throw shapeError('sumRows', `matrix has ${cols} columns, out ${out.length}`);
    out.fill(0);
    for (let i = 0; i < rows; i++) {
      const row = i * cols;
      for (let j = 0; j < cols; j++) out[j] += data[row + j];
    }
  }

  activationForward(kind: ActivationKind, slope: number, z: Matrix, a: Matrix): void {
    const n = z.rows * z.cols;
    if (a.rows * a.cols !== n) throw shapeError('activationForward', `z has ${n} values, a ${a.rows * a.cols}`);
    const zd = z.data;
    const ad = a.data;
    switch (kind) {
      case 'linear':
        if (ad !== zd) ad.set(zd.subarray(0, n));
        break;
      case 'relu':
        for (let i = 0; i < n; i++) ad[i] = zd[i] > 0 ? zd[i] : 0;
        break;
      case 'leakyRelu':
        for (let i = 0; i < n; i++) ad[i] = zd[i] > 0 ? zd[i] : slope * zd[i];
        break;
      case 'tanh':
        for (let i = 0; i < n; i++) ad[i] = Math.tanh(zd[i]);
        break;
      case 'sigmoid':
        for (let i = 0; i < n; i++) ad[i] = sigmoid(zd[i]);
        break;
    }
  }

  activationBackward(kind: ActivationKind, slope: number, z: Matrix, a: Matrix, da: Matrix, dz: Matrix): void {
    const n = z.rows * z.cols;
    if (da.rows * da.cols !== n || dz.rows * dz.cols !== n) {
      throw shapeError('activationBackward', `z has ${n} values, da ${da.rows * da.cols}, dz ${dz.rows * dz.cols}`);
    }
    const zd = z.data;
    const ad = a.data;
    const g = da.data;
    const out = dz.data;
    switch (kind) {
      case 'linear':
        if (out !== g) out.set(g.subarray(0, n));
        break;
      case 'relu':
        for (let i = 0; i < n; i++) out[i] = zd[i] > 0 ? g[i] : 0;
        break;
      case 'leakyRelu':
        for (let i = 0; i < n; i++) out[i] = zd[i] > 0 ? g[i] : slope * g[i];
        break;
      case 'tanh':
        for (let i = 0; i < n; i++) out[i] = g[i] * (1 - ad[i] * ad[i]);
        break;
      case 'sigmoid':
        for (let i = 0; i < n; i++) out[i] = g[i] * ad[i] * (1 - ad[i]);
        break;
    }
  }

  batchNormTrain(
    z: Matrix,
    gamma: FloatArray,
    beta: FloatArray,
    eps: number,
    mean: FloatArray,
    variance: FloatArray,
    invStd: FloatArray,
    zHat: Matrix,
    out: Matrix,
  ): void {
    const { rows: m, cols: n, data: zd } = z;
    mean.fill(0);
    variance.fill(0);
    for (let i = 0; i < m; i++) {
      const row = i * n;
      for (let j = 0; j < n; j++) mean[j] += zd[row + j];
    }
    for (let j = 0; j < n; j++) mean[j] /= m;
    // Two passes (mean, then squared deviations) keep the variance accurate in float32.
    for (let i = 0; i < m; i++) {
      const row = i * n;
      for (let j = 0; j < n; j++) {
        const d = zd[row + j] - mean[j];
        variance[j] += d * d;
      }
    }
    for (let j = 0; j < n; j++) {
      variance[j] /= m;
      invStd[j] = 1 / Math.sqrt(variance[j] + eps);
    }
    const h = zHat.data;
    const o = out.data;
    for (let i = 0; i < m; i++) {
      const row = i * n;
      for (let j = 0; j < n; j++) {
        const x = (zd[row + j] - mean[j]) * invStd[j];
        h[row + j] = x;
        o[row + j] = gamma[j] * x + beta[j];
      }
    }
  }

  batchNormEval(
    z: Matrix,
    gamma: FloatArray,
    beta: FloatArray,
    runningMean: FloatArray,
    runningVar: FloatArray,
    eps: number,
    out: Matrix,
  ): void {
    const { rows: m, cols: n, data: zd } = z;
    const o = out.data;
    for (let i = 0; i < m; i++) {
      const row = i * n;
      for (let j = 0; j < n; j++) {
        o[row + j] = (gamma[j] * (zd[row + j] - runningMean[j])) / Math.sqrt(runningVar[j] + eps) + beta[j];
      }
    }
  }

  batchNormBackward(
    dOut: Matrix,
    zHat: Matrix,
    gamma: FloatArray,
    invStd: FloatArray,
    dz: Matrix,
    dGamma: FloatArray,
    dBeta: FloatArray,
  ): void {
    const { rows: m, cols: n, data: g } = dOut;
    const h = zHat.data;
    dGamma.fill(0);
    dBeta.fill(0);
    for (let i = 0; i < m; i++) {
      const row = i * n;
      for (let j = 0; j < n; j++) {
        dGamma[j] += g[row + j] * h[row + j];
        dBeta[j] += g[row + j];
      }
    }
    // With dzHat = dOut * gamma: sum(dzHat) = gamma * dBeta, sum(dzHat * zHat) = gamma * dGamma.
    const out = dz.data;
    for (let i = 0; i < m; i++) {
      const row = i * n;
      for (let j = 0; j < n; j++) {
        out[row + j] =
          (gamma[j] * invStd[j] * (m * g[row + j] - dBeta[j] - h[row + j] * dGamma[j])) / m;
      }
    }
  }

  softmax(z: Matrix, probs: Matrix): void {
    const { rows, cols, data } = z;
    const o = probs.data;
    for (let i = 0; i < rows; i++) {
      const row = i * cols;
      let max = -Infinity;
      for (let j = 0; j < cols; j++) if (data[row + j] > max) max = data[row + j];
      let sum = 0;
      for (let j = 0; j < cols; j++) {
        o[row + j] = Math.exp(data[row + j] - max);
        sum += o[row + j];
      }
      const inv = 1 / sum;
      for (let j = 0; j < cols; j++) o[row + j] *= inv;
    }
  }

  softmaxCrossEntropy(z: Matrix, labels: Int32Array, probs: Matrix, dz: Matrix | null): number {
    const { rows: m, cols: c, data: zd } = z;
    const p = probs.data;
    const d = dz ? dz.data : null;
    let loss = 0;
    for (let i = 0; i < m; i++) {
      const row = i * c;
      let max = -Infinity;
      for (let j = 0; j < c; j++) if (zd[row + j] > max) max = zd[row + j];
      let sum = 0;
      for (let j = 0; j < c; j++) {
        const t = Math.exp(zd[row + j] - max);
        p[row + j] = t;
        sum += t;
      }
      const y = labels[i];
      // -log softmax(z)[y] = log(sum exp(z - max)) - (z[y] - max): no overflow, no log(0).
      loss += Math.log(sum) - (zd[row + y] - max);
      const inv = 1 / sum;
      for (let j = 0; j < c; j++) p[row + j] *= inv;
      if (d) {
        for (let j = 0; j < c; j++) d[row + j] = p[row + j] / m;
        d[row + y] -= 1 / m;
      }
    }
    return loss / m;
  }

  sigmoidBinaryCrossEntropy(z: Matrix, labels: Int32Array, probs: Matrix, dz: Matrix | null): number {
    const m = z.rows;
    const zd = z.data;
    const p = probs.data;
    const d = dz ? dz.data : null;
    let loss = 0;
    for (let i = 0; i < m; i++) {
      const x = zd[i];
      const y = labels[i];
      // -[y log s(x) + (1-y) log(1 - s(x))] = max(x, 0) - x y + log(1 + exp(-|x|)).
      loss += Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
      p[i] = sigmoid(x);
      if (d) d[i] = (p[i] - y) / m;
    }
    return loss / m;
  }

  countCorrect(probs: Matrix, labels: Int32Array): number {
    const { rows: m, cols: c, data: p } = probs;
    let correct = 0;
    for (let i = 0; i < m; i++) {
      let predicted: number;
      if (c === 1) predicted = p[i] >= 0.5 ? 1 : 0;
      else {
        predicted = 0;
        for (let j = 1; j < c; j++) if (p[i * c + j] > p[i * c + predicted]) predicted = j;
      }
      if (predicted === labels[i]) correct++;
    }
    return correct;
  }

  multiply(a: Matrix, mask: Matrix, out: Matrix): void {
    const n = a.rows * a.cols;
    const x = a.data;
    const k = mask.data;
    const o = out.data;
    for (let i = 0; i < n; i++) o[i] = x[i] * k[i];
  }

  sgdStep(w: FloatArray, g: FloatArray, lr: number, weightDecay: number): void {
    for (let i = 0; i < w.length; i++) w[i] -= lr * (g[i] + weightDecay * w[i]);
  }

  momentumStep(w: FloatArray, g: FloatArray, v: FloatArray, lr: number, beta: number, weightDecay: number): void {
    for (let i = 0; i < w.length; i++) {
      v[i] = beta * v[i] + (1 - beta) * (g[i] + weightDecay * w[i]);
      w[i] -= lr * v[i];
    }
  }

  rmspropStep(
    w: FloatArray,
    g: FloatArray,
    s: FloatArray,
    lr: number,
    beta: number,
    eps: number,
    weightDecay: number,
  ): void {
    for (let i = 0; i < w.length; i++) {
      const gi = g[i] + weightDecay * w[i];
      s[i] = beta * s[i] + (1 - beta) * gi * gi;
      w[i] -= (lr * gi) / (Math.sqrt(s[i]) + eps);
    }
  }

  adamStep(
    w: FloatArray,
    g: FloatArray,
    v: FloatArray,
    s: FloatArray,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    t: number,
    weightDecay: number,
  ): void {
    const c1 = 1 - Math.pow(beta1, t);
    const c2 = 1 - Math.pow(beta2, t);
    for (let i = 0; i < w.length; i++) {
      const gi = g[i] + weightDecay * w[i];
      v[i] = beta1 * v[i] + (1 - beta1) * gi;
      s[i] = beta2 * s[i] + (1 - beta2) * gi * gi;
      w[i] -= (lr * (v[i] / c1)) / (Math.sqrt(s[i] / c2) + eps);
    }
  }
}

function sigmoid(x: number): number {
  // Split by sign so exp never overflows.
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * c[m][n] += alpha * a[m][k] * b[n][k]^T: every output is a dot product of two
 * contiguous rows. Blocks of 2 rows of a by 4 rows of b share their loads.
 */
function gemmDotRows(a: FloatArray, b: FloatArray, c: FloatArray, m: number, n: number, k: number, alpha: number): void {
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const a0 = i * k;
    const a1 = a0 + k;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = a[a0 + p];
        const x1 = a[a1 + p];
        const w0 = b[b0 + p];
        const w1 = b[b1 + p];
        const w2 = b[b2 + p];
        const w3 = b[b3 + p];
        s00 += x0 * w0; s01 += x0 * w1; s02 += x0 * w2; s03 += x0 * w3;
        s10 += x1 * w0; s11 += x1 * w1; s12 += x1 * w2; s13 += x1 * w3;
      }
      const c0 = i * n + j;
      const c1 = c0 + n;
      c[c0] += alpha * s00; c[c0 + 1] += alpha * s01; c[c0 + 2] += alpha * s02; c[c0 + 3] += alpha * s03;
      c[c1] += alpha * s10; c[c1 + 1] += alpha * s11; c[c1 + 2] += alpha * s12; c[c1 + 3] += alpha * s13;
    }
    for (; j < n; j++) {
      const b0 = j * k;
      let s0 = 0, s1 = 0;
      for (let p = 0; p < k; p++) {
        s0 += a[a0 + p] * b[b0 + p];
        s1 += a[a1 + p] * b[b0 + p];
      }
      c[i * n + j] += alpha * s0;
      c[(i + 1) * n + j] += alpha * s1;
    }
  }
  for (; i < m; i++) {
    const a0 = i * k;
    for (let j = 0; j < n; j++) {
      const b0 = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[a0 + p] * b[b0 + p];
      c[i * n + j] += alpha * s;
    }
  }
}
