/**
 * One worker process of bench/storage.ts: opens the study, says it is ready,
 * waits for a line on stdin (so every worker starts at once, after its
 * start-up), runs N trials of the cheap objective and prints when it started
 * and ended. The objective is Optuna's in bench/optuna_storage.py: two
 * suggests, nothing to compute, so what is measured is the tuner and its storage.
 *
 *   node --import tsx bench/storage-worker.ts STORAGE STUDY N
 */
import { createInterface } from 'node:readline';
import { RandomSampler } from '../src/tune/samplers/random.js';
import { loadStudy } from '../src/tune/study.js';

const [storage, name, n] = process.argv.slice(2);
const study = await loadStudy({ name, storage, sampler: new RandomSampler() });
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
lines.close();
const start = Date.now();
await study.optimize(
  (trial) => {
    const x = trial.suggestFloat('x', -10, 10);
    const y = trial.suggestFloat('y', -10, 10);
    return x * x + y;
  },
  { nTrials: Number(n) },
);
const end = Date.now();
await study.close();
process.stdout.write(`${JSON.stringify({ start, end, ran: Number(n) })}\n`);
