/**
 * What every fast backend must do: match the reference backend kernel by
 * kernel on random data of odd shapes (1, 3, 17, 255, 1025 and blocking
 * edges), pass the PyTorch parity file in float32, delegate float64 to the
 * reference bit for bit, and train along the reference's loss curve. Each
 * backend's own test file calls `backendConformance` and adds what is
 * particular to it (how it is built and loaded, its kernel variants).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { KERNELS, type ActivationKind, type Backend } from '../../src/backend/backend.js';
import { ReferenceBackend } from '../../src/backend/reference.js';
import { Matrix } from '../../src/backend/tensor.js';
import { blobs } from '../../src/data/synthetic.js';
import { batchNorm, dense, relu } from '../../src/nn/config.js';
import { Sequential } from '../../src/nn/model.js';
import { runParityFile } from '../../src/train/parity.js';
import { Rng } from '../../src/util/rng.js';

const reference = new ReferenceBackend();

export interface ConformanceOptions {
  /** The backend's name, for messages. */
  name: string;
  /** Registers one test with the backend under test (a backend file may skip them all when it cannot load). */
  register: (title: string, fn: (t: TestContext) => void | Promise<void>) => void;
  /** Runs fn once per kernel variant the backend can switch between (native: AVX-512, AVX2, portable). */
  forEachVariant?: (fn: (variant: string) => void) => void;
}

export function backendConformance(under: Backend, options: ConformanceOptions): void {
  const { name } = options;
  const register = (title: string, fn: (t: TestContext) => void | Promise<void>) => options.register(`${name}: ${title}`, fn);
  const forEachVariant = options.forEachVariant ?? ((fn: (variant: string) => void) => fn(name));
  /** The kernels the cases below called with float32 arrays; the last case checks that none was left out. */
  const exercised = new Set<string>();
  const backend = recordingKernels(under, exercised);
  const tested = backend; // the inner helpers take a backend of their own to run both sides

  const GEMM_SHAPES: Array<[number, number, number]> = [
    [1, 1, 1], [3, 17, 5], [17, 3, 1], [1, 255, 3], [255, 17, 33], [3, 1025, 17], [17, 5, 1025], [9, 300, 47],
  ];

  register('gemm: all four transpose forms, alpha and beta, within float32 rounding', () => {
    const rng = new Rng(11);
    for (const [m, k, n] of GEMM_SHAPES) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const a = ta ? random(k, m, rng) : random(m, k, rng);
          const b = tb ? random(n, k, rng) : random(k, n, rng);
          const c0 = random(m, n, rng);
          // The float64 product of the same float32 inputs, and sum |a||b|, which bounds float32 rounding.
          const exact = Matrix.zeros(m, n, 'float64');
          reference.gemm(widen(a), ta, widen(b), tb, exact, 1, 0);
          const magnitude = Matrix.zeros(m, n, 'float64');
          reference.gemm(abs(a), ta, abs(b), tb, magnitude, 1, 0);
          for (const [alpha, beta] of [[1, 0], [0.5, 2], [-1, 1]]) {
            forEachVariant((variant) => {
              const c = copy(c0);
              backend.gemm(a, ta, b, tb, c, alpha, beta);
              for (let i = 0; i < m * n; i++) {
                const want = alpha * exact.data[i] + beta * c0.data[i];
                const bound = 2e-6 * Math.sqrt(k) * (Math.abs(alpha) * magnitude.data[i] + Math.abs(beta * c0.data[i])) + 1e-30;
                if (!(Math.abs(c.data[i] - want) <= bound)) {
                  assert.fail(`${variant} [${m}x${k}x${n}] ta=${ta} tb=${tb} alpha=${alpha} beta=${beta} at ${i}: ${c.data[i]} vs ${want}`);
                }
              }
            });
          }
        }
      }
    }
  });

  register('gemm with beta 0 ignores what out held (NaN included); k = 0 scales out by beta; empty products; shapes are checked', () => {
    forEachVariant(() => {
      const out = new Matrix(2, 3, new Float32Array(6).fill(NaN));
      backend.gemm(Matrix.fromRows([[1], [2]]), false, Matrix.fromRows([[1, 2, 3]]), false, out, 1, 0);
      assert.deepEqual(Array.from(out.data), [1, 2, 3, 2, 4, 6]);
      const c = Matrix.fromRows([[1, 2], [3, 4]]);
      backend.gemm(Matrix.zeros(2, 0), false, Matrix.zeros(0, 2), false, c, 1, 3);
      assert.deepEqual(Array.from(c.data), [3, 6, 9, 12]);
      // No rows or no columns: nothing to compute, in every transpose form.
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
        const empty = Matrix.zeros(0, 4);
        backend.gemm(ta ? Matrix.zeros(3, 0) : Matrix.zeros(0, 3), ta, tb ? Matrix.zeros(4, 3) : Matrix.zeros(3, 4), tb, empty, 1, 0);
        const none = Matrix.zeros(2, 0);
        backend.gemm(ta ? Matrix.zeros(3, 2) : Matrix.zeros(2, 3), ta, tb ? Matrix.zeros(0, 3) : Matrix.zeros(3, 0), tb, none, 1, 1);
      }
    });
    assert.throws(
      () => backend.gemm(Matrix.zeros(2, 3), false, Matrix.zeros(4, 5), false, Matrix.zeros(2, 5), 1, 0),
      /gemm: shape mismatch: op\(a\) is \[2\]\[3\], op\(b\) is \[4\]\[5\]/,
    );
  });


  register('addRowVector and sumRows on odd shapes', () => {
    const rng = new Rng(4);
    for (const [rows, cols] of [[1, 1], [3, 17], [255, 3], [17, 1025]]) {
      const m = random(rows, cols, rng), v = random(1, cols, rng).data;
      const a = copy(m), b = copy(m);
      backend.addRowVector(a, v);
      reference.addRowVector(b, v);
      assert.deepEqual(a.data, b.data);
      const s = new Float32Array(cols), r = new Float32Array(cols);
      backend.sumRows(m, s);
      reference.sumRows(m, r);
      assertClose(s, r, 1e-5, `sumRows [${rows}][${cols}]`);
    }
  });

  register('every activation, forward and backward, against the reference', () => {
    const rng = new Rng(5);
    const kinds: ActivationKind[] = ['linear', 'relu', 'leakyRelu', 'tanh', 'sigmoid'];
    for (const [rows, cols] of [[1, 1], [3, 17], [255, 3], [2, 1025]]) {
      const z = random(rows, cols, rng, 3);
      z.data[0] = 0; // the kink: ReLU's derivative is 0 there, as in the reference
      const da = random(rows, cols, rng);
      for (const kind of kinds) {
        const a = Matrix.zeros(rows, cols), ar = Matrix.zeros(rows, cols);
        backend.activationForward(kind, 0.01, z, a);
        reference.activationForward(kind, 0.01, z, ar);
        assertClose(a.data, ar.data, 1e-6, `${kind} forward [${rows}][${cols}]`);
        const dz = Matrix.zeros(rows, cols), dzr = Matrix.zeros(rows, cols);
        backend.activationBackward(kind, 0.01, z, ar, da, dz);
        reference.activationBackward(kind, 0.01, z, ar, da, dzr);
        assertClose(dz.data, dzr.data, 1e-6, `${kind} backward [${rows}][${cols}]`);
      }
    }
  });

  register('batch norm: training forward, eval forward and backward against the reference', () => {
    const rng = new Rng(6);
    for (const [m, n] of [[2, 1], [3, 17], [255, 3], [17, 1025], [128, 256]]) {
      const z = random(m, n, rng, 2);
      for (let i = 0; i < z.data.length; i++) z.data[i] += 5; // an offset, so the mean matters
      const gamma = random(1, n, rng).data, beta = random(1, n, rng).data;
      const run = (backend: Backend) => {
        const stats = [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as const;
        const zHat = Matrix.zeros(m, n), out = Matrix.zeros(m, n);
        backend.batchNormTrain(z, gamma, beta, 1e-5, stats[0], stats[1], stats[2], zHat, out);
        const evalOut = Matrix.zeros(m, n);
        backend.batchNormEval(z, gamma, beta, stats[0], stats[1], 1e-5, evalOut);
        const dOut = random(m, n, new Rng(m * n));
        const dz = Matrix.zeros(m, n), dGamma = new Float32Array(n), dBeta = new Float32Array(n);
        backend.batchNormBackward(dOut, zHat, gamma, stats[2], dz, dGamma, dBeta);
        return { stats, zHat, out, evalOut, dz, dGamma, dBeta };
      };
      const got = run(tested), want = run(reference);
      const at = `[${m}][${n}]`;
      ['mean', 'variance', 'invStd'].forEach((name, i) => assertClose(got.stats[i], want.stats[i], 2e-5, `${name} ${at}`));
      assertClose(got.zHat.data, want.zHat.data, 2e-5, `zHat ${at}`);
      assertClose(got.out.data, want.out.data, 2e-5, `out ${at}`);
      assertClose(got.evalOut.data, want.evalOut.data, 2e-5, `eval out ${at}`);
      assertClose(got.dGamma, want.dGamma, 2e-5 * Math.sqrt(m), `dGamma ${at}`);
      assertClose(got.dBeta, want.dBeta, 2e-5 * Math.sqrt(m), `dBeta ${at}`);
      assertClose(got.dz.data, want.dz.data, 1e-4, `dz ${at}`);
    }
  });

  register('softmax, softmax cross-entropy, sigmoid cross-entropy and countCorrect against the reference', () => {
    const rng = new Rng(7);
    for (const [m, c] of [[1, 1], [3, 17], [255, 3], [2, 1025], [17, 10]]) {
      const z = random(m, c, rng, 4);
      z.data[0] = 80; // large logits must not overflow
      const labels = Int32Array.from({ length: m }, () => rng.int(c));
      const p = Matrix.zeros(m, c), pr = Matrix.zeros(m, c);
      backend.softmax(z, p);
      reference.softmax(z, pr);
      assertClose(p.data, pr.data, 1e-6, `softmax [${m}][${c}]`);
      const dz = Matrix.zeros(m, c), dzr = Matrix.zeros(m, c);
      const loss = backend.softmaxCrossEntropy(z, labels, p, dz);
      const lossRef = reference.softmaxCrossEntropy(z, labels, pr, dzr);
      assertClose([loss], [lossRef], 1e-6, `softmax cross-entropy loss [${m}][${c}]`);
      assertClose(p.data, pr.data, 1e-6, `its probabilities [${m}][${c}]`);
      assertClose(dz.data, dzr.data, 1e-6, `its gradient [${m}][${c}]`);
      assert.equal(backend.softmaxCrossEntropy(z, labels, p, null), loss);
      assert.equal(backend.countCorrect(p, labels), reference.countCorrect(pr, labels));

      const zb = random(m, 1, rng, 4);
      zb.data[0] = -800;
      const yb = Int32Array.from({ length: m }, () => rng.int(2));
      const pb = Matrix.zeros(m, 1), pbr = Matrix.zeros(m, 1), db = Matrix.zeros(m, 1), dbr = Matrix.zeros(m, 1);
      const bce = backend.sigmoidBinaryCrossEntropy(zb, yb, pb, db);
      assertClose([bce], [reference.sigmoidBinaryCrossEntropy(zb, yb, pbr, dbr)], 1e-6, `sigmoid BCE loss [${m}]`);
      assertClose(pb.data, pbr.data, 1e-6, `sigmoid BCE probabilities [${m}]`);
      assertClose(db.data, dbr.data, 1e-6, `sigmoid BCE gradient [${m}]`);
      assert.equal(backend.countCorrect(pb, yb), reference.countCorrect(pbr, yb));
    }
    // A label outside the classes would read outside its row: refused.
    assert.throws(
      () => backend.softmaxCrossEntropy(Matrix.zeros(2, 2), Int32Array.from([0, 2]), Matrix.zeros(2, 2), null),
      /labels \[1\] is 2, outside 0\.\.1/,
    );
  });

  register('multiply (dropout masks) is exact', () => {
    const rng = new Rng(8);
    const a = random(17, 33, rng), mask = random(17, 33, rng);
    const out = Matrix.zeros(17, 33), outRef = Matrix.zeros(17, 33);
    backend.multiply(a, mask, out);
    reference.multiply(a, mask, outRef);
    assert.deepEqual(out.data, outRef.data);
  });

  register('optimizer steps (SGD, momentum, RMSprop, Adam with weight decay) track the reference for five steps', () => {
    const rng = new Rng(9);
    for (const n of [1, 3, 17, 1025]) {
      const start = random(1, n, rng).data;
      const grads = Array.from({ length: 5 }, () => random(1, n, rng).data);
      const run = (backend: Backend, kind: string) => {
        const w = Float32Array.from(start), v = new Float32Array(n), s = new Float32Array(n);
        grads.forEach((g, i) => {
          if (kind === 'sgd') backend.sgdStep(w, g, 0.1, 0.01);
          if (kind === 'momentum') backend.momentumStep(w, g, v, 0.1, 0.9, 0.01);
          if (kind === 'rmsprop') backend.rmspropStep(w, g, s, 0.01, 0.99, 1e-8, 0.01);
          if (kind === 'adam') backend.adamStep(w, g, v, s, 0.01, 0.9, 0.999, 1e-8, i + 1, 0.01);
        });
        return [w, v, s];
      };
      for (const kind of ['sgd', 'momentum', 'rmsprop', 'adam']) {
        const got = run(tested, kind), want = run(reference, kind);
        ['w', 'v', 's'].forEach((name, i) => assertClose(got[i], want[i], 1e-5, `${kind} ${name} (n = ${n})`));
      }
    }
  });

  register('float64 work is delegated to the reference backend, bit for bit', () => {
    const rng = new Rng(10);
    const a = widen(random(5, 7, rng)), b = widen(random(3, 7, rng));
    const c = Matrix.zeros(5, 3, 'float64'), cr = Matrix.zeros(5, 3, 'float64');
    backend.gemm(a, false, b, true, c, 1, 0);
    reference.gemm(a, false, b, true, cr, 1, 0);
    assert.deepEqual(c.data, cr.data);
    const w = Float64Array.from([1, 2, 3]), wr = Float64Array.from(w), g = Float64Array.from([0.5, -1, 2]);
    backend.adamStep(w, g, new Float64Array(3), new Float64Array(3), 0.1, 0.9, 0.999, 1e-8, 1, 0);
    reference.adamStep(wr, g, new Float64Array(3), new Float64Array(3), 0.1, 0.9, 0.999, 1e-8, 1, 0);
    assert.deepEqual(w, wr);
  });

  register(`every PyTorch parity case passes on the ${name} backend in float32`, () => {
    const text = readFileSync(new URL('../fixtures/parity.json', import.meta.url), 'utf8');
    const results = runParityFile(text, 'parity.json', { backend: tested });
    // Every case the file holds (test/train/parity.test.ts pins how many there are).
    assert.equal(results.length, (JSON.parse(text) as { cases: unknown[] }).cases.length);
    assert.ok(results.length > 0);
    for (const r of results) assert.ok(r.ok, `${r.name}: worst ${r.worst}, max rel ${r.maxRelativeError}`);
  });

  register('a short training run follows the reference backend\'s loss curve', async () => {
    const data = blobs({ classes: 3, perClass: 60, features: 20, seed: 2 });
    const curve = async (backend: Backend) => {
      const model = new Sequential(
        { inputSize: 20, layers: [dense(32, { bias: false }), batchNorm(), relu(), dense(3)] },
        { seed: 3, backend },
      );
      const history = await model.fit(data.x, data.y, {
        epochs: 5, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.01 }, normalizeInputs: true,
      });
      return history.epochs.map((e) => e.loss);
    };
    const got = await curve(tested), want = await curve(reference);
    assert.ok(want[4] < want[0] / 2, `the loss falls: ${want}`);
    assertClose(got, want, 1e-3, 'loss per epoch');
  });

  // Registered last, so it runs after every case above: a kernel added to Backend (and KERNELS) fails here until a case tests it.
  register('every kernel of Backend was tested above in float32', (t) => {
    if (exercised.size === 0) {
      t.skip('no case above ran (a --test-name-pattern left them out)');
      return;
    }
    assert.deepEqual(KERNELS.filter((kernel) => !exercised.has(kernel)), [], 'kernels no conformance case calls');
  });
}

/** The backend, noting in `exercised` each kernel called with float32 values (its first array decides, as in float32.ts). */
function recordingKernels(backend: Backend, exercised: Set<string>): Backend {
  return new Proxy(backend, {
    get(target, property) {
      const value = Reflect.get(target, property) as unknown;
      if (typeof value !== 'function' || !(KERNELS as readonly PropertyKey[]).includes(property)) return value;
      return (...args: unknown[]) => {
        const first = args.find((a) => a instanceof Matrix || ArrayBuffer.isView(a));
        if ((first instanceof Matrix ? first.data : first) instanceof Float32Array) exercised.add(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

export function random(rows: number, cols: number, rng: Rng, scale = 1): Matrix {
  const m = Matrix.zeros(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = scale * rng.normal();
  return m;
}

export const copy = (m: Matrix) => new Matrix(m.rows, m.cols, Float32Array.from(m.data));
export const widen = (m: Matrix) => new Matrix(m.rows, m.cols, Float64Array.from(m.data));
export const abs = (m: Matrix) => new Matrix(m.rows, m.cols, Float64Array.from(m.data, Math.abs));

/** Element-wise |a - b| <= tol * (1 + |b|), with the first offender in the message. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    if (!(Math.abs(actual[i] - e) <= tol * (1 + Math.abs(e)))) {
      assert.fail(`${what}: [${i}] is ${actual[i]}, expected ${e} (tolerance ${tol})`);
    }
  }
}

/**
 * The backend with its float32 arguments moved into its own storage
 * (`allocateFloat32`) for each call and copied back after it: all of them,
 * or every other one, so that one call mixes arrays in place with staged
 * ones. Run through `backendConformance`, it tests the in-place paths.
 */
export function inBackendStorage(backend: Backend, which: 'all' | 'alternate'): Backend {
  const allocate = backend.allocateFloat32?.bind(backend);
  if (!allocate) throw new Error(`${backend.name} has no storage of its own`);
  return new Proxy(backend, {
    get(target, property) {
      const value = Reflect.get(target, property) as unknown;
      if (typeof value !== 'function') return value;
      if (property === 'allocateFloat32') return allocate;
      return (...args: unknown[]) => {
        const moved = new Map<Float32Array, Float32Array>();
        let count = 0;
        const place = (data: Float32Array): Float32Array => {
          if (moved.has(data)) return moved.get(data)!;
          if (which === 'alternate' && count++ % 2 === 1) return data;
          const copy = allocate(data.length);
          copy.set(data);
          moved.set(data, copy);
          return copy;
        };
        const placed = args.map((a) => {
          if (a instanceof Float32Array) return place(a);
          if (a instanceof Matrix && a.data instanceof Float32Array) return new Matrix(a.rows, a.cols, place(a.data));
          return a;
        });
        const result = (value as (...a: unknown[]) => unknown).apply(target, placed);
        for (const [original, copy] of moved) original.set(copy);
        return result;
      };
    },
  });
}

