/**
 * Population-based training against random search with the same total
 * epochs, on Fashion-MNIST (the dashboard issue's acceptance): a population
 * of 8 trained in 8 segments of 1 epoch (64 epochs in all) against 8
 * independent trials of 8 epochs (64 epochs), over the same space, seed and
 * workers. Each side's best trial is chosen on the dev set and measured once
 * on the test set.
 *
 * Both sides draw their first values from the same seeded random sampler,
 * so PBT's generation 0 and random search's 8 trials start from the same
 * points.
 *
 *   node --import tsx bench/pbt.ts [--workers 2] [--seed 1] [--generations 8] [--interval 1] [--resample 0.25] [--only pbt|random] [--json]
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { main } from '../src/cli/main.js';
import { loadStudy } from '../src/tune/study.js';

const { values } = parseArgs({
  options: { workers: { type: 'string', default: '2' }, seed: { type: 'string', default: '1' }, resample: { type: 'string', default: '0.25' },
    generations: { type: 'string', default: '8' }, interval: { type: 'string', default: '1' }, only: { type: 'string' }, json: { type: 'boolean', default: false } },
});
const root = mkdtempSync(join(tmpdir(), 'caviar-bench-pbt-'));
const base = {
  seed: Number(values.seed),
  data: { source: 'fashion-mnist', dev: 5000 },
  model: { hidden: [256, 128], batchNorm: true },
  train: { epochs: 8, batchSize: 128, optimizer: 'momentum', learningRate: 0.1, beta: 0.9 },
};
const space = {
  learningRate: { type: 'float', low: 1e-3, high: 1, scale: 'log' },
  beta: { type: 'float', low: 0.8, high: 0.999, scale: 'oneMinusBeta' },
};
const sides = {
  pbt: { ...base, name: 'pbt', output: join(root, 'pbt'), tune: { sampler: 'random', space, workers: Number(values.workers), pbt: { population: 8, generations: Number(values.generations), interval: Number(values.interval), resampleProbability: Number(values.resample) } } },
  random: { ...base, name: 'random', output: join(root, 'random'), tune: { trials: 8, sampler: 'random', pruner: 'none', space, workers: Number(values.workers) } },
};

const results: Record<string, unknown>[] = [];
// Random search trains each of its 8 trials for all the epochs a member gets in all its segments.
sides.random.train = { ...base.train, epochs: Number(values.generations) * Number(values.interval) };
for (const [name, experiment] of Object.entries(sides)) {
  if (values.only && values.only !== name) continue;
  const file = join(root, `${name}.json`);
  writeFileSync(file, JSON.stringify(experiment));
  const started = performance.now();
  const code = await main(['tune', file], values.json ? () => {} : undefined);
  if (code !== 0) throw new Error(`caviar tune ${file} exited with ${code}`);
  const seconds = (performance.now() - started) / 1000;
  const study = await loadStudy({ name, storage: join(experiment.output, 'study.db') });
  const complete = study.trials(['complete']);
  const epochs = complete.reduce((n, t) => n + ((t.userAttrs.curves as unknown[] | undefined)?.length ?? 0), 0);
  const best = study.bestTrial;
  const result = {
    system: 'caviar', method: name, seed: base.seed, trials: complete.length, epochs, seconds: Math.round(seconds),
    bestDevAccuracy: best.value, bestTestAccuracy: best.userAttrs.testAccuracy,
    bestParams: best.params,
    meanTestAccuracy: complete.reduce((s, t) => s + (t.userAttrs.testAccuracy as number), 0) / complete.length,
  };
  await study.close();
  results.push(result);
  if (values.json) console.log(JSON.stringify(result));
}
if (!values.json) {
  console.log('\nmethod  trials  epochs  time  best dev acc  its test acc  best params');
  for (const r of results) {
    console.log(`${String(r.method).padEnd(7)} ${String(r.trials).padStart(6)}  ${String(r.epochs).padStart(6)}  ${String(r.seconds).padStart(4)}s  ${(100 * (r.bestDevAccuracy as number)).toFixed(2).padStart(11)}%  ${(100 * (r.bestTestAccuracy as number)).toFixed(2).padStart(11)}%  ${JSON.stringify(r.bestParams)}`);
  }
}
