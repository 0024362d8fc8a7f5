/**
 * Backend selection. Today there is the reference backend; faster ones
 * (WebAssembly, native) register here later, and `CAVIAR_BACKEND` picks one.
 */
import type { Backend } from './backend.js';
import { ReferenceBackend } from './reference.js';

export type { ActivationKind, Backend } from './backend.js';
export { ReferenceBackend } from './reference.js';
export { Matrix, Workspace, type DType, type FloatArray } from './tensor.js';

const available: Record<string, () => Backend> = {
  reference: () => new ReferenceBackend(),
};

let current: Backend | null = null;

/** The backend models use when none is given: `CAVIAR_BACKEND` if set, else the fastest available. */
export function defaultBackend(): Backend {
  if (!current) current = getBackend(process.env.CAVIAR_BACKEND || 'reference');
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

/** Names of the backends this installation can run. */
export function availableBackends(): string[] {
  return Object.keys(available);
}
