/**
 * Backend selection. Backends register here, fastest first; the default is
 * the fastest that loads on this machine, and `CAVIAR_BACKEND` (or a model's
 * `backend` option) picks one by name. `CAVIAR_BACKEND=reference` forces the
 * plain-TypeScript oracle.
 */
import type { Backend } from './backend.js';
import { loadNativeAddon, NativeBackend } from './native.js';
import { ReferenceBackend } from './reference.js';
import { loadWasmModule, WasmBackend } from './wasm.js';

export type { ActivationKind, Backend } from './backend.js';
export { NativeBackend } from './native.js';
export { ReferenceBackend } from './reference.js';
export { WasmBackend } from './wasm.js';
export { Matrix, Workspace, type DType, type FloatArray } from './tensor.js';

/**
 * Every backend this installation can run, fastest first: native, then
 * WebAssembly, then the reference. A native addon that was not built is left
 * out, and so is WebAssembly where the runtime lacks SIMD.
 */
const available: Record<string, () => Backend> = {
  ...(loadNativeAddon() ? { native: () => new NativeBackend() } : {}),
  ...(loadWasmModule() ? { wasm: () => new WasmBackend() } : {}),
  reference: () => new ReferenceBackend(),
};

let current: Backend | null = null;

/** The backend models use when none is given: `CAVIAR_BACKEND` if set, else the fastest available. */
export function defaultBackend(): Backend {
  if (!current) {
    const fastest = availableBackends()[0];
    if (!process.env.CAVIAR_BACKEND && fastest === 'wasm') {
      // Said once per process: the default is slower than it could be on this machine.
      console.error('caviar: native backend not built (no C compiler at install time?); using the WebAssembly backend');
    }
    current = getBackend(process.env.CAVIAR_BACKEND || fastest);
  }
  return current;
}

/** A backend by name, or a clear error listing the ones that exist. */
export function getBackend(name: string): Backend {
  const make = available[name];
  if (!make) {
    throw new RangeError(`unknown backend '${name}' (from CAVIAR_BACKEND or options); available: ${Object.keys(available).join(', ')}`);
  }
  return make();
}

/** Names of the backends this installation can run, fastest first. */
export function availableBackends(): string[] {
  return Object.keys(available);
}

export interface BackendInfo {
  /** The default backend's name. */
  backend: string;
  /** Every backend that loads here, fastest first. */
  available: string[];
  /** CPU features the native addon detected (empty when it is not built). */
  cpuFeatures: string[];
  /** The native matrix-product kernel in use ('avx512', 'avx2', 'portable'), or null without the addon. */
  nativeKernel: string | null;
}

/**
 * What `caviar info` prints: the backend in use, the alternatives, and what the CPU offers.
 * @example backendInfo(); // { backend: 'native', available: ['native', 'reference'], cpuFeatures: ['avx512f', ...], nativeKernel: 'avx512' }
 */
export function backendInfo(): BackendInfo {
  const native = loadNativeAddon()?.info();
  return {
    backend: defaultBackend().name,
    available: availableBackends(),
    cpuFeatures: native?.cpuFeatures ?? [],
    nativeKernel: native?.kernel ?? null,
  };
}
