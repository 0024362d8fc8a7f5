/**
 * Caviar scaling: the same Fashion-MNIST study (the built-in MLP space,
 * random sampler, same seed, so both runs train the same trials) with one
 * worker and with two, trials per hour side by side in one run.
 *
 *   node --import tsx bench/tune-concurrency.ts [--trials 6] [--limit 6000] [--epochs 2]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import { fashionMnistAvailable } from '../src/data/fashion-mnist.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
if (!fashionMnistAvailable()) {
  console.log('skipped: Fashion-MNIST not found (apt-get install dataset-fashion-mnist)');
  process.exit(0);
}
const trials = option('trials', 6);
const dir = mkdtempSync(join(tmpdir(), 'caviar-bench-'));
const results: Array<{ workers: number; seconds: number; perHour: number }> = [];
try {
  for (const workers of [1, 2]) {
    const path = join(dir, `w${workers}.yaml`);
    writeFileSync(path, [
      `name: fmnist-w${workers}`,
      `data: { source: fashion-mnist, limit: ${option('limit', 6000)}, dev: 2000 }`,
      'model: { hidden: [256, 128] }',
      `train: { epochs: ${option('epochs', 2)}, batchSize: 128, optimizer: momentum }`,
      `tune: { trials: ${trials}, sampler: random, pruner: none, workers: ${workers}, space: default }`,
      `output: ${join(dir, `out${workers}`)}`,
    ].join('\n'));
    const started = performance.now();
    const code = await main(['tune', path, '--json'], () => {});
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`tune with ${workers} workers exited ${code}`);
    results.push({ workers, seconds, perHour: (trials * 3600) / seconds });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`| workers | ${trials} trials took | trials per hour |\n| ---: | ---: | ---: |`);
for (const r of results) console.log(`| ${r.workers} | ${r.seconds.toFixed(1)} s | ${Math.round(r.perHour)} |`);
console.log(`speed-up with 2 workers: ${(results[1].perHour / results[0].perHour).toFixed(2)}x`);
