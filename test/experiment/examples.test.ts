import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readExperiment } from '../../src/experiment/spec.js';

test('every experiment file in examples/ is valid, and the population-based one plans population x generations trials', () => {
  const files = readdirSync('examples').filter((f) => /\.(ya?ml|json)$/.test(f));
  assert.ok(files.length >= 4, files.join(', '));
  for (const f of files) readExperiment(join('examples', f));
  const pbt = readExperiment('examples/fashion-mnist-pbt.yaml');
  assert.deepEqual(pbt.tune!.pbt, { population: 8, generations: 8, interval: 1, quantile: 0.25, resampleProbability: 0.25 });
  assert.equal(pbt.tune!.trials, 64);
  assert.equal(pbt.tune!.pruner.name, 'none');
});
