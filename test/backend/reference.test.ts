import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../src/backend/reference.js';
import { Matrix } from '../../src/backend/tensor.js';
import { Rng } from '../../src/util/rng.js';

const backend = new ReferenceBackend();

function random(rows: number, cols: number, rng: Rng, dtype: 'float32' | 'float64' = 'float64'): Matrix {
  const m = Matrix.zeros(rows, cols, dtype);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal();
  return m;
}

/** The textbook triple loop, in float64: the oracle for the oracle. */
function naive(a: Matrix, ta: boolean, b: Matrix, tb: boolean): number[][] {
  const m = ta ? a.cols : a.rows;
  const k = ta ? a.rows : a.cols;
  const n = tb ? b.rows : b.cols;
  const out: number[][] = [];
  for (let i = 0; i < m; i++) {
    out.push([]);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a.get(p, i) : a.get(i, p)) * (tb ? b.get(j, p) : b.get(p, j));
      out[i].push(s);
    }
  }
  return out;
}

test('gemm: all four transpose forms on odd sizes, with alpha and beta', () => {
  const rng = new Rng(5);
  for (const [m, k, n] of [[1, 1, 1], [3, 17, 5], [17, 3, 1], [7, 33, 9], [2, 5, 4]]) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const a = ta ? random(k, m, rng) : random(m, k, rng);
        const b = tb ? random(n, k, rng) : random(k, n, rng);
        const c0 = random(m, n, rng);
        const c = new Matrix(m, n, Float64Array.from(c0.data));
        backend.gemm(a, ta, b, tb, c, 0.5, 2);
        const expected = naive(a, ta, b, tb);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            const want = 0.5 * expected[i][j] + 2 * c0.get(i, j);
            assert.ok(Math.abs(c.get(i, j) - want) < 1e-12, `[${m}x${k}x${n}] ta=${ta} tb=${tb} at ${i},${j}`);
          }
        }
      }
    }
  }
});

test('gemm refuses mismatched shapes with the shapes in the message', () => {
  assert.throws(
    () => backend.gemm(Matrix.zeros(2, 3), false, Matrix.zeros(4, 5), false, Matrix.zeros(2, 5), 1, 0),
    /gemm: shape mismatch: op\(a\) is \[2\]\[3\], op\(b\) is \[4\]\[5\]/,
  );
});

test('softmax cross-entropy: known values, stability at large logits, gradient yhat - y over m', () => {
  const z = Matrix.fromRows([[1, 2, 3], [1000, 1000, 1000]], 'float64');
  const probs = Matrix.zeros(2, 3, 'float64');
  const dz = Matrix.zeros(2, 3, 'float64');
  const loss = backend.softmaxCrossEntropy(z, Int32Array.from([2, 0]), probs, dz);
  const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
  const s = e[0] + e[1] + e[2];
  const expectedLoss = (-Math.log(e[2] / s) + Math.log(3)) / 2;
  assert.ok(Math.abs(loss - expectedLoss) < 1e-12);
  assert.ok(Math.abs(probs.get(0, 0) - e[0] / s) < 1e-12);
  assert.ok(Math.abs(probs.get(1, 1) - 1 / 3) < 1e-12);
  assert.ok(Math.abs(dz.get(0, 2) - (e[2] / s - 1) / 2) < 1e-12);
  assert.ok(Math.abs(dz.get(1, 0) - (1 / 3 - 1) / 2) < 1e-12);
  assert.ok(Math.abs(dz.get(1, 1) - 1 / 6) < 1e-12);
});

test('sigmoid binary cross-entropy: known values and no overflow', () => {
  const z = Matrix.fromRows([[0], [2], [-800]], 'float64');
  const p = Matrix.zeros(3, 1, 'float64');
  const dz = Matrix.zeros(3, 1, 'float64');
  const loss = backend.sigmoidBinaryCrossEntropy(z, Int32Array.from([1, 0, 1]), p, dz);
  const s2 = 1 / (1 + Math.exp(-2));
  const expected = (Math.log(2) - Math.log(1 - s2) + 800) / 3;
  assert.ok(Math.abs(loss - expected) < 1e-9, `${loss} vs ${expected}`);
  assert.equal(p.get(0, 0), 0.5);
  assert.ok(Math.abs(dz.get(1, 0) - s2 / 3) < 1e-12);
  assert.equal(backend.countCorrect(p, Int32Array.from([1, 1, 0])), 3);
});

test('activations and their derivatives at known points', () => {
  const z = Matrix.fromRows([[-2, -0.5, 0.5, 3]], 'float64');
  const a = Matrix.zeros(1, 4, 'float64');
  const da = Matrix.fromRows([[1, 1, 1, 1]], 'float64');
  const dz = Matrix.zeros(1, 4, 'float64');
  backend.activationForward('leakyRelu', 0.01, z, a);
  assert.deepEqual(Array.from(a.data), [-0.02, -0.005, 0.5, 3]);
  backend.activationBackward('leakyRelu', 0.01, z, a, da, dz);
  assert.deepEqual(Array.from(dz.data), [0.01, 0.01, 1, 1]);
  backend.activationForward('tanh', 0, z, a);
  backend.activationBackward('tanh', 0, z, a, da, dz);
  assert.ok(Math.abs(dz.get(0, 3) - (1 - Math.tanh(3) ** 2)) < 1e-15);
  backend.activationForward('sigmoid', 0, z, a);
  assert.ok(Math.abs(a.get(0, 0) - 1 / (1 + Math.exp(2))) < 1e-15);
  backend.activationForward('relu', 0, z, a);
  assert.deepEqual(Array.from(a.data), [0, 0, 0.5, 3]);
});
