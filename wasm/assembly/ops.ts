/**
 * Everything but the matrix product, for the WebAssembly backend: one pass
 * each, f32x4 where the loop is plain arithmetic over rows, scalar float64
 * where the reference computes transcendental functions (exp, tanh, log),
 * so that results round the same way as src/backend/reference.ts.
 *
 * Pointers are byte offsets into linear memory; a null pointer is 0.
 */

// Activation codes, as in src/backend/wasm.ts.
const LINEAR = 0;
const RELU = 1;
const LEAKY_RELU = 2;
const TANH = 3;
const SIGMOID = 4;

// @ts-ignore: decorator
@inline
function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

// @ts-ignore: decorator
@inline
function sigmoid(x: f64): f64 {
  // Split by sign so exp never overflows.
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** m[i][j] += v[j]. m: [rows][cols], v: [cols]. */
export function addRowVector(mp: usize, rows: i32, cols: i32, v: usize): void {
  for (let i = 0; i < rows; i++) {
    const row = at(mp, i * cols);
    let j = 0;
    for (; j + 4 <= cols; j += 4) v128.store(at(row, j), f32x4.add(v128.load(at(row, j)), v128.load(at(v, j))));
    for (; j < cols; j++) store<f32>(at(row, j), load<f32>(at(row, j)) + load<f32>(at(v, j)));
  }
}

/** out[j] = sum_i m[i][j]. */
export function sumRows(mp: usize, rows: i32, cols: i32, out: usize): void {
  memory.fill(out, 0, <usize>cols * 4);
  for (let i = 0; i < rows; i++) {
    const row = at(mp, i * cols);
    let j = 0;
    for (; j + 4 <= cols; j += 4) v128.store(at(out, j), f32x4.add(v128.load(at(out, j)), v128.load(at(row, j))));
    for (; j < cols; j++) store<f32>(at(out, j), load<f32>(at(out, j)) + load<f32>(at(row, j)));
  }
}

export function activationForward(kind: i32, slope: f32, z: usize, a: usize, n: i32): void {
  let i = 0;
  if (kind == LINEAR) {
    memory.copy(a, z, <usize>n * 4);
  } else if (kind == RELU || kind == LEAKY_RELU) {
    const s = f32x4.splat(kind == RELU ? 0 : slope);
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const x = v128.load(at(z, i));
      v128.store(at(a, i), v128.bitselect(x, f32x4.mul(x, s), f32x4.gt(x, zero)));
    }
    const sl: f32 = kind == RELU ? 0 : slope;
    for (; i < n; i++) {
      const x = load<f32>(at(z, i));
      store<f32>(at(a, i), x > 0 ? x : sl * x);
    }
  } else if (kind == TANH) {
    for (; i < n; i++) store<f32>(at(a, i), <f32>Math.tanh(<f64>load<f32>(at(z, i))));
  } else if (kind == SIGMOID) {
    for (; i < n; i++) store<f32>(at(a, i), <f32>sigmoid(<f64>load<f32>(at(z, i))));
  }
}

export function activationBackward(kind: i32, slope: f32, z: usize, a: usize, da: usize, dz: usize, n: i32): void {
  let i = 0;
  if (kind == LINEAR) {
    memory.copy(dz, da, <usize>n * 4);
  } else if (kind == RELU || kind == LEAKY_RELU) {
    const sl: f32 = kind == RELU ? 0 : slope;
    const s = f32x4.splat(sl);
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const g = v128.load(at(da, i));
      v128.store(at(dz, i), v128.bitselect(g, f32x4.mul(g, s), f32x4.gt(v128.load(at(z, i)), zero)));
    }
    for (; i < n; i++) {
      const g = load<f32>(at(da, i));
      store<f32>(at(dz, i), load<f32>(at(z, i)) > 0 ? g : sl * g);
    }
  } else if (kind == TANH) {
    for (; i < n; i++) {
      const y = <f64>load<f32>(at(a, i));
      store<f32>(at(dz, i), <f32>(<f64>load<f32>(at(da, i)) * (1 - y * y)));
    }
  } else if (kind == SIGMOID) {
    for (; i < n; i++) {
      const y = <f64>load<f32>(at(a, i));
      store<f32>(at(dz, i), <f32>(<f64>load<f32>(at(da, i)) * y * (1 - y)));
    }
  }
}

/** Training-mode batch norm over the m rows of z [m][n]: batch statistics, zHat and out = gamma zHat + beta. */
export function batchNormTrain(
  z: usize, m: i32, n: i32, gamma: usize, beta: usize, eps: f32,
  mean: usize, variance: usize, invStd: usize, zHat: usize, out: usize,
): void {
  sumRows(z, m, n, mean);
  for (let j = 0; j < n; j++) store<f32>(at(mean, j), load<f32>(at(mean, j)) / <f32>m);
  // Two passes (mean, then squared deviations) keep the variance accurate in float32.
  memory.fill(variance, 0, <usize>n * 4);
  for (let i = 0; i < m; i++) {
    const row = at(z, i * n);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const d = f32x4.sub(v128.load(at(row, j)), v128.load(at(mean, j)));
      v128.store(at(variance, j), f32x4.add(v128.load(at(variance, j)), f32x4.mul(d, d)));
    }
    for (; j < n; j++) {
      const d = load<f32>(at(row, j)) - load<f32>(at(mean, j));
      store<f32>(at(variance, j), load<f32>(at(variance, j)) + d * d);
    }
  }
  for (let j = 0; j < n; j++) {
    const v = load<f32>(at(variance, j)) / <f32>m;
    store<f32>(at(variance, j), v);
    store<f32>(at(invStd, j), <f32>(1 / Math.sqrt(<f64>v + <f64>eps)));
  }
  for (let i = 0; i < m; i++) {
    const row = i * n;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const x = f32x4.mul(f32x4.sub(v128.load(at(z, row + j)), v128.load(at(mean, j))), v128.load(at(invStd, j)));
      v128.store(at(zHat, row + j), x);
      v128.store(at(out, row + j), f32x4.add(f32x4.mul(v128.load(at(gamma, j)), x), v128.load(at(beta, j))));
    }
    for (; j < n; j++) {
      const x = (load<f32>(at(z, row + j)) - load<f32>(at(mean, j))) * load<f32>(at(invStd, j));
      store<f32>(at(zHat, row + j), x);
      store<f32>(at(out, row + j), load<f32>(at(gamma, j)) * x + load<f32>(at(beta, j)));
    }
  }
}

/** Eval-mode batch norm: out = gamma (z - runningMean) / sqrt(runningVar + eps) + beta. scratch: [n] floats. */
export function batchNormEval(
  z: usize, m: i32, n: i32, gamma: usize, beta: usize, runningMean: usize, runningVar: usize, eps: f32,
  out: usize, scratch: usize,
): void {
  // scratch[j] = gamma[j] / sqrt(runningVar[j] + eps): one division per column, not per value.
  for (let j = 0; j < n; j++) {
    store<f32>(at(scratch, j), <f32>(<f64>load<f32>(at(gamma, j)) / Math.sqrt(<f64>load<f32>(at(runningVar, j)) + <f64>eps)));
  }
  for (let i = 0; i < m; i++) {
    const row = i * n;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const x = f32x4.sub(v128.load(at(z, row + j)), v128.load(at(runningMean, j)));
      v128.store(at(out, row + j), f32x4.add(f32x4.mul(x, v128.load(at(scratch, j))), v128.load(at(beta, j))));
    }
    for (; j < n; j++) {
      const x = load<f32>(at(z, row + j)) - load<f32>(at(runningMean, j));
      store<f32>(at(out, row + j), x * load<f32>(at(scratch, j)) + load<f32>(at(beta, j)));
    }
  }
}

/**
 * Training-mode batch norm backward: dGamma = sum dOut zHat, dBeta = sum dOut,
 * dz = gamma invStd / m (m dOut - dBeta - zHat dGamma). scratch: [n] floats.
 */
export function batchNormBackward(
  dOut: usize, zHat: usize, m: i32, n: i32, gamma: usize, invStd: usize,
  dz: usize, dGamma: usize, dBeta: usize, scratch: usize,
): void {
  memory.fill(dGamma, 0, <usize>n * 4);
  memory.fill(dBeta, 0, <usize>n * 4);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const g = v128.load(at(dOut, row + j));
      v128.store(at(dGamma, j), f32x4.add(v128.load(at(dGamma, j)), f32x4.mul(g, v128.load(at(zHat, row + j)))));
      v128.store(at(dBeta, j), f32x4.add(v128.load(at(dBeta, j)), g));
    }
    for (; j < n; j++) {
      const g = load<f32>(at(dOut, row + j));
      store<f32>(at(dGamma, j), load<f32>(at(dGamma, j)) + g * load<f32>(at(zHat, row + j)));
      store<f32>(at(dBeta, j), load<f32>(at(dBeta, j)) + g);
    }
  }
  const mf = <f32>m;
  for (let j = 0; j < n; j++) store<f32>(at(scratch, j), load<f32>(at(gamma, j)) * load<f32>(at(invStd, j)) / mf);
  const mv = f32x4.splat(mf);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const inner = f32x4.sub(
        f32x4.sub(f32x4.mul(mv, v128.load(at(dOut, row + j))), v128.load(at(dBeta, j))),
        f32x4.mul(v128.load(at(zHat, row + j)), v128.load(at(dGamma, j))),
      );
      v128.store(at(dz, row + j), f32x4.mul(v128.load(at(scratch, j)), inner));
    }
    for (; j < n; j++) {
      const inner = mf * load<f32>(at(dOut, row + j)) - load<f32>(at(dBeta, j)) - load<f32>(at(zHat, row + j)) * load<f32>(at(dGamma, j));
      store<f32>(at(dz, row + j), load<f32>(at(scratch, j)) * inner);
    }
  }
}

/**
 * Row-wise stable softmax of z [m][c] into probs; returns the summed
 * cross-entropy of `labels` when labels is not 0, and writes dz = (p - y) / m when dz is not 0.
 */
function softmaxRows(z: usize, m: i32, c: i32, labels: usize, probs: usize, dz: usize): f64 {
  let loss: f64 = 0;
  for (let i = 0; i < m; i++) {
    const row = i * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) {
      const x = <f64>load<f32>(at(z, row + j));
      if (x > max) max = x;
    }
    let sum: f64 = 0;
    for (let j = 0; j < c; j++) {
      const t = <f32>Math.exp(<f64>load<f32>(at(z, row + j)) - max);
      store<f32>(at(probs, row + j), t);
      sum += <f64>t;
    }
    if (labels) {
      const y = load<i32>(at(labels, i));
      // -log softmax(z)[y] = log(sum exp(z - max)) - (z[y] - max): no overflow, no log(0).
      loss += Math.log(sum) - (<f64>load<f32>(at(z, row + y)) - max);
    }
    const inv = 1 / sum;
    for (let j = 0; j < c; j++) store<f32>(at(probs, row + j), <f32>(<f64>load<f32>(at(probs, row + j)) * inv));
    if (dz) {
      for (let j = 0; j < c; j++) store<f32>(at(dz, row + j), <f32>(<f64>load<f32>(at(probs, row + j)) / <f64>m));
      const y = load<i32>(at(labels, i));
      store<f32>(at(dz, row + y), <f32>(<f64>load<f32>(at(dz, row + y)) - 1 / <f64>m));
    }
  }
  return loss;
}

export function softmax(z: usize, m: i32, c: i32, probs: usize): void {
  softmaxRows(z, m, c, 0, probs, 0);
}

/** Mean cross-entropy over m rows; probabilities into probs, and dz = (p - y) / m when dz is not 0. */
export function softmaxCrossEntropy(z: usize, m: i32, c: i32, labels: usize, probs: usize, dz: usize): f64 {
  return softmaxRows(z, m, c, labels, probs, dz) / <f64>m;
}

/** Mean binary cross-entropy of one logit per row, computed stably from z. */
export function sigmoidBinaryCrossEntropy(z: usize, m: i32, labels: usize, probs: usize, dz: usize): f64 {
  let loss: f64 = 0;
  for (let i = 0; i < m; i++) {
    const x = <f64>load<f32>(at(z, i));
    const y = <f64>load<i32>(at(labels, i));
    // -[y log s(x) + (1-y) log(1 - s(x))] = max(x, 0) - x y + log(1 + exp(-|x|)).
    loss += max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
    const p = <f32>sigmoid(x);
    store<f32>(at(probs, i), p);
    if (dz) store<f32>(at(dz, i), <f32>((<f64>p - y) / <f64>m));
  }
  return loss / <f64>m;
}

/** How many rows' argmax (one column: p >= 0.5) equals the label. */
export function countCorrect(probs: usize, m: i32, c: i32, labels: usize): i32 {
  let correct = 0;
  for (let i = 0; i < m; i++) {
    let predicted = 0;
    if (c == 1) predicted = load<f32>(at(probs, i)) >= 0.5 ? 1 : 0;
    else {
      const row = i * c;
      for (let j = 1; j < c; j++) if (load<f32>(at(probs, row + j)) > load<f32>(at(probs, row + predicted))) predicted = j;
    }
    if (predicted == load<i32>(at(labels, i))) correct++;
  }
  return correct;
}

export function multiply(a: usize, mask: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), f32x4.mul(v128.load(at(a, i)), v128.load(at(mask, i))));
  for (; i < n; i++) store<f32>(at(out, i), load<f32>(at(a, i)) * load<f32>(at(mask, i)));
}

/** w -= lr (g + weightDecay w). */
export function sgdStep(w: usize, g: usize, n: i32, lr: f32, weightDecay: f32): void {
  const lrv = f32x4.splat(lr), wdv = f32x4.splat(weightDecay);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const wi = v128.load(at(w, i));
    v128.store(at(w, i), f32x4.sub(wi, f32x4.mul(lrv, f32x4.add(v128.load(at(g, i)), f32x4.mul(wdv, wi)))));
  }
  for (; i < n; i++) {
    const wi = load<f32>(at(w, i));
    store<f32>(at(w, i), wi - lr * (load<f32>(at(g, i)) + weightDecay * wi));
  }
}

/** v = beta v + (1 - beta) g'; w -= lr v, with g' = g + weightDecay w. */
export function momentumStep(w: usize, g: usize, v: usize, n: i32, lr: f32, beta: f32, weightDecay: f32): void {
  const oneMinusBeta: f32 = 1 - beta;
  const lrv = f32x4.splat(lr), bv = f32x4.splat(beta), obv = f32x4.splat(oneMinusBeta), wdv = f32x4.splat(weightDecay);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const wi = v128.load(at(w, i));
    const gi = f32x4.add(v128.load(at(g, i)), f32x4.mul(wdv, wi));
    const vi = f32x4.add(f32x4.mul(bv, v128.load(at(v, i))), f32x4.mul(obv, gi));
    v128.store(at(v, i), vi);
    v128.store(at(w, i), f32x4.sub(wi, f32x4.mul(lrv, vi)));
  }
  for (; i < n; i++) {
    const wi = load<f32>(at(w, i));
    const vi = beta * load<f32>(at(v, i)) + oneMinusBeta * (load<f32>(at(g, i)) + weightDecay * wi);
    store<f32>(at(v, i), vi);
    store<f32>(at(w, i), wi - lr * vi);
  }
}

/** s = beta s + (1 - beta) g'^2; w -= lr g' / (sqrt(s) + eps). */
export function rmspropStep(w: usize, g: usize, s: usize, n: i32, lr: f32, beta: f32, eps: f32, weightDecay: f32): void {
  const oneMinusBeta: f32 = 1 - beta;
  const lrv = f32x4.splat(lr), bv = f32x4.splat(beta), obv = f32x4.splat(oneMinusBeta);
  const wdv = f32x4.splat(weightDecay), epsv = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const wi = v128.load(at(w, i));
    const gi = f32x4.add(v128.load(at(g, i)), f32x4.mul(wdv, wi));
    const si = f32x4.add(f32x4.mul(bv, v128.load(at(s, i))), f32x4.mul(obv, f32x4.mul(gi, gi)));
    v128.store(at(s, i), si);
    v128.store(at(w, i), f32x4.sub(wi, f32x4.div(f32x4.mul(lrv, gi), f32x4.add(f32x4.sqrt(si), epsv))));
  }
  for (; i < n; i++) {
    const wi = load<f32>(at(w, i));
    const gi = load<f32>(at(g, i)) + weightDecay * wi;
    const si = beta * load<f32>(at(s, i)) + oneMinusBeta * gi * gi;
    store<f32>(at(s, i), si);
    store<f32>(at(w, i), wi - (lr * gi) / (Mathf.sqrt(si) + eps));
  }
}

/** Adam with bias correction: c1 = 1 - beta1^t and c2 = 1 - beta2^t come from the caller. */
export function adamStep(
  w: usize, g: usize, v: usize, s: usize, n: i32, lr: f32, beta1: f32, beta2: f32, eps: f32, c1: f32, c2: f32,
  weightDecay: f32,
): void {
  const omb1: f32 = 1 - beta1, omb2: f32 = 1 - beta2;
  const lrv = f32x4.splat(lr), b1 = f32x4.splat(beta1), b2 = f32x4.splat(beta2);
  const o1 = f32x4.splat(omb1), o2 = f32x4.splat(omb2), c1v = f32x4.splat(c1), c2v = f32x4.splat(c2);
  const wdv = f32x4.splat(weightDecay), epsv = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const wi = v128.load(at(w, i));
    const gi = f32x4.add(v128.load(at(g, i)), f32x4.mul(wdv, wi));
    const vi = f32x4.add(f32x4.mul(b1, v128.load(at(v, i))), f32x4.mul(o1, gi));
    const si = f32x4.add(f32x4.mul(b2, v128.load(at(s, i))), f32x4.mul(o2, f32x4.mul(gi, gi)));
    v128.store(at(v, i), vi);
    v128.store(at(s, i), si);
    const step = f32x4.div(f32x4.mul(lrv, f32x4.div(vi, c1v)), f32x4.add(f32x4.sqrt(f32x4.div(si, c2v)), epsv));
    v128.store(at(w, i), f32x4.sub(wi, step));
  }
  for (; i < n; i++) {
    const wi = load<f32>(at(w, i));
    const gi = load<f32>(at(g, i)) + weightDecay * wi;
    const vi = beta1 * load<f32>(at(v, i)) + omb1 * gi;
    const si = beta2 * load<f32>(at(s, i)) + omb2 * gi * gi;
    store<f32>(at(v, i), vi);
    store<f32>(at(s, i), si);
    store<f32>(at(w, i), wi - (lr * (vi / c1)) / (Mathf.sqrt(si / c2) + eps));
  }
}
