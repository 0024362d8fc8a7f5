/**
 * fANOVA parameter importance in a worker thread (`importance-worker.ts`),
 * started on the first request and kept for the next ones. The trials go
 * over as their parameters and values only (no curves, no attributes), so
 * sending a thousand costs the event loop a few milliseconds instead of the
 * forest's half second. Requests queue in the worker one at a time; a worker
 * that dies fails what it held and is started afresh at the next request.
 */
import { Worker } from 'node:worker_threads';
import type { ParamImportance } from '../../tune/importance/importance.js';
import type { FrozenTrial } from '../../tune/types.js';

export interface ImportanceRequest {
  readonly id: number;
  readonly trials: readonly FrozenTrial[];
}

export type ImportanceReply =
  | { readonly id: number; readonly importance: ParamImportance[] }
  /** Why fANOVA could not answer (too few trials, a constant value): shown to the person as it is. */
  | { readonly id: number; readonly error: string };

/**
 * Under tsx the worker's code is TypeScript: a tiny CommonJS bootstrap
 * registers tsx in the worker, then imports it (`--import tsx` does not reach
 * worker threads on Node 20). Built, it is plain .js.
 */
const TS = import.meta.url.endsWith('.ts');
const ENTRY = new URL(`./importance-worker.${TS ? 'ts' : 'js'}`, import.meta.url);
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  const { register } = await import(workerData.tsxApi);
  register();
  await import(workerData.entry);
})();
`;

/** Only what fANOVA reads of a trial. */
function lean(t: FrozenTrial): FrozenTrial {
  return { id: t.id, number: t.number, state: t.state, value: t.value, params: t.params, distributions: t.distributions, intermediate: new Map(), userAttrs: {}, systemAttrs: {} };
}

export class ImportanceThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: ParamImportance[]): void; reject(e: Error): void }>();

  /**
   * The importance of each parameter over `trials`, most important first;
   * rejects with fANOVA's own message when it cannot be computed.
   *
   * @example
   *   const thread = new ImportanceThread();
   *   await thread.compute(completeTrials); // [{ name: 'learningRate', importance: 0.8 }, ...]
   *   await thread.close();
   */
  compute(trials: readonly FrozenTrial[]): Promise<ParamImportance[]> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, trials: trials.map(lean) } satisfies ImportanceRequest);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = TS
      ? new Worker(BOOTSTRAP, { eval: true, workerData: { entry: ENTRY.href, tsxApi: import.meta.resolve('tsx/esm/api') } })
      : new Worker(ENTRY);
    // An idle worker does not keep the process alive (a test's server, closed or not).
    worker.unref();
    worker.on('message', (m: ImportanceReply) => {
      const waiting = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (!waiting) return;
      if ('error' in m) waiting.reject(Object.assign(new Error(m.error), { name: 'ImportanceError' }));
      else waiting.resolve(m.importance);
    });
    const failAll = (why: string) => {
      if (this.worker === worker) this.worker = undefined;
      for (const { reject } of this.pending.values()) reject(new Error(`the importance worker ${why}`));
      this.pending.clear();
    };
    worker.on('error', (e) => failAll(`failed: ${e.message}`));
    worker.on('exit', (code) => failAll(`stopped (exit code ${code})`));
    this.worker = worker;
    return worker;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}
