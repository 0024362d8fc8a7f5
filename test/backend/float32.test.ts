import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KERNELS } from '../../src/backend/backend.js';
import { Float32Backend, type Float32Kernels } from '../../src/backend/float32.js';
import { ReferenceBackend } from '../../src/backend/reference.js';


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

test('the list of kernels names every method the reference backend has but its private helper', () => {
  const methods = Object.getOwnPropertyNames(ReferenceBackend.prototype).filter((name) => name !== 'constructor');
  assert.deepEqual(methods.filter((name) => !(KERNELS as readonly string[]).includes(name)), ['packTransposed']);
  assert.deepEqual(KERNELS.filter((name) => !methods.includes(name)), []);
});

test('the first array decides, after leading options (activationForward\'s kind and slope)', () => {
  const seen: string[] = [];
  const kernels = new Proxy({}, { get: (_, name) => () => seen.push(String(name)) }) as Float32Kernels;
  class Routed extends Float32Backend {
    readonly name = 'routed';
  }
  const backend = new Routed(kernels);
  const z32 = { rows: 1, cols: 2, data: Float32Array.of(-1, 2) }, a32 = { rows: 1, cols: 2, data: new Float32Array(2) };
  backend.activationForward('relu', 0, z32 as never, a32 as never);
  assert.deepEqual(seen, ['activationForward']);
  const z64 = { rows: 1, cols: 2, data: Float64Array.of(-1, 2) }, a64 = { rows: 1, cols: 2, data: new Float64Array(2) };
  backend.activationForward('relu', 0, z64 as never, a64 as never);
  assert.deepEqual(seen, ['activationForward'], 'float64 did not reach the fast kernels');
  assert.deepEqual(Array.from(a64.data), [0, 2], 'the reference computed it');
  // A plain float32 array leading an optimizer step goes to the fast kernels too.
  backend.sgdStep(new Float32Array(2), new Float32Array(2), 0.1, 0);
  assert.deepEqual(seen, ['activationForward', 'sgdStep']);
});
