/**
 * The trial page's predictions, computed in the browser: a Web Worker that
 * builds the trial's saved model on caviar's own WebAssembly backend and runs
 * it on the test examples the page sends. It is the library's code —
 * `decodeSavedModel`, `Sequential.predict` (or `Ensemble.predict`), `WasmBackend` with the kernels of
 * caviar.wasm — bundled by esbuild into /predictions.js (server/bundle.ts,
 * which stubs the node: modules this code never calls here), so the page's
 * probabilities are the ones `caviar predict` computes with that backend.
 *
 * Nothing here reads a file or the network: the page fetches the model and
 * caviar.wasm and hands over their bytes. A worker keeps the page responsive
 * while a whole test set goes through the model, and may compile a
 * WebAssembly module of any size synchronously.
 */
import { WasmBackend, webAssembly } from '../../backend/wasm.js';
import { decodeSavedModel, type SavedModel } from '../../io/model-file.js';
import { Ensemble } from '../../nn/ensemble.js';
import type { Sequential } from '../../nn/model.js';
import type { PredictionsReply, PredictionsRequest } from '../api-types.js';

/** The parts of a worker's global scope used here (the project compiles without DOM types). */
interface WorkerScope {
  onmessage: ((event: { data: PredictionsRequest }) => void) | null;
  postMessage(message: PredictionsReply, transfer?: ArrayBuffer[]): void;
}

const scope = globalThis as unknown as WorkerScope;
let model: SavedModel | undefined;

scope.onmessage = ({ data: request }) => {
  try {
    if (request.type === 'load') {
      const backend = new WasmBackend(new webAssembly.Module(new Uint8Array(request.wasm)));
      const decoded = decodeSavedModel(new Uint8Array(request.model), request.source, { backend });
      model = decoded.model;
      const first = model instanceof Ensemble ? model.members[0] : model;
      scope.postMessage({
        type: 'loaded', id: request.id, backend: first.backend.name, inputSize: model.inputSize, classes: model.classes,
        layers: model instanceof Ensemble
          ? [`ensemble of ${model.members.length}`, ...first.config.layers.map(describeLayer).map((l) => `m0: ${l}`)]
          : model.config.layers.map(describeLayer),
        metadata: decoded.metadata,
      });
    } else {
      if (!model) throw new Error('no model loaded');
      const start = performance.now();
      const probabilities = model.predict(request.x); // [count][classes]
      scope.postMessage({ type: 'predicted', id: request.id, probabilities, ms: performance.now() - start }, [probabilities.buffer as ArrayBuffer]);
    }
  } catch (e) {
    scope.postMessage({ type: 'error', id: request.id, message: (e as Error).message ?? String(e) });
  }
};

function describeLayer(layer: Sequential['config']['layers'][number]): string {
  return layer.type === 'dense' ? `dense ${layer.units}` : layer.type === 'dropout' ? `dropout ${layer.rate}` : layer.type;
}
