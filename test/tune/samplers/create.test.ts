import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SAMPLER_NAMES, createSampler } from '../../../src/tune/samplers/create.js';
import { TpeSampler } from '../../../src/tune/samplers/tpe/sampler.js';
import { GridSampler } from '../../../src/tune/samplers/grid.js';

test('builds every sampler by name, seeded', () => {
  for (const name of SAMPLER_NAMES) {
    const sampler = createSampler(name, name === 'grid' ? { grid: { a: [1, 2] } } : {}, 7);
    assert.equal(sampler.name, name);
  }
  const tpe = createSampler('tpe', { nStartupTrials: 20, nEiCandidates: 48 }, 3) as TpeSampler;
  assert.ok(tpe instanceof TpeSampler);
  assert.equal(tpe.nStartupTrials, 20);
  assert.equal(tpe.nEiCandidates, 48);
  assert.equal(tpe.seed, 3);
  assert.equal((createSampler('grid', { grid: { a: [1, 2], b: ['x', 'y', 'z'] } }) as GridSampler).size, 6);
});

test('rejects unknown names and options with the list of what is possible', () => {
  // The list from SAMPLER_NAMES, so that a new sampler does not edit this test (ARCHITECTURE.md's count).
  assert.throws(() => createSampler('tpee'), { message: `unknown sampler 'tpee'; expected one of ${SAMPLER_NAMES.join(', ')}` });
  assert.ok(SAMPLER_NAMES.includes('tpe') && SAMPLER_NAMES.includes('nsga2'));
  assert.throws(
    () => createSampler('tpe', { nStartup: 5, priorWeight: 'heavy' }),
    {
      message:
        "unknown option 'nStartup' for sampler tpe; expected one of nStartupTrials, nEiCandidates, priorWeight, multivariate, constantLiar, magicClip, bandwidthFactor, gamma, weights; option 'priorWeight' of sampler tpe must be a number, got \"heavy\"",
    },
  );
  assert.throws(() => createSampler('random', { roundSize: 3 }), /unknown option 'roundSize' for sampler random; expected none/);
  assert.throws(() => createSampler('grid', {}), /needs the option 'grid'/);
  assert.throws(() => createSampler('coarse-to-fine', { roundSize: 1 }), /roundSize must be an integer >= 2/);
});
