import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Float32Backend, type Float32Kernels } from '../../src/backend/float32.js';
import { ReferenceBackend } from '../../src/backend/reference.js';

/** Every kernel of the Backend interface: the type makes a new kernel fail to compile here until it is listed. */
const LISTED: Record<keyof Float32Kernels, true> = {
  gemm: true, addRowVector: true, sumRows: true, activationForward: true, activationBackward: true,
  batchNormTrain: true, batchNormEval: true, batchNormBackward: true, softmax: true, softmaxCrossEntropy: true,
  sigmoidBinaryCrossEntropy: true, countCorrect: true, multiply: true, sgdStep: true, momentumStep: true,
  rmspropStep: true, adamStep: true,
};
const KERNELS = Object.keys(LISTED) as (keyof Float32Kernels)[];

/** An array that is also a matrix of itself, so that whichever argument a kernel routes by (`z.data`, `w`) sees its type. */
function marker(type: 'float32' | 'float64'): unknown {
  const array = type === 'float32' ? new Float32Array(1) : new Float64Array(1);
  return Object.assign(array, { data: array, rows: 1, cols: 1 });
}

test('Float32Backend routes every kernel: float32 calls to the backend\'s kernels, float64 calls to the reference, arguments untouched', () => {
  const f32 = marker('float32'), f64 = marker('float64');
  const calls: string[] = [];
  const kernels = new Proxy({}, {
    get: (_, name) => (...args: unknown[]) => {
      assert.ok(args.every((a) => a === f32), `${String(name)}: float32 arguments passed on as they are`);
      calls.push(`float32 ${String(name)}`);
    },
  }) as Float32Kernels;
  class Routed extends Float32Backend {
    readonly name = 'routed';
  }
  const backend = new Routed(kernels);
  const prototype = ReferenceBackend.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of KERNELS) {
    const original = prototype[name];
    prototype[name] = (...args: unknown[]) => {
      assert.ok(args.every((a) => a === f64), `${name}: float64 arguments passed on as they are`);
      calls.push(`reference ${name}`);
    };
    try {
      const route = (backend as unknown as Record<string, (...args: unknown[]) => unknown>)[name];
      assert.equal(typeof route, 'function', `Float32Backend has no ${name}`);
      route.apply(backend, Array(original.length).fill(f32));
      route.apply(backend, Array(original.length).fill(f64));
    } finally {
      prototype[name] = original;
    }
  }
  assert.deepEqual(calls, KERNELS.flatMap((name) => [`float32 ${name}`, `reference ${name}`]));
});
