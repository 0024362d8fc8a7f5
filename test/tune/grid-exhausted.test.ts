import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStudy } from '../../src/tune/study.js';
import { GridSampler } from '../../src/tune/samplers/grid.js';

test('optimize ends cleanly when a grid has no point left, having tried each point once', async () => {
  const study = await createStudy({ sampler: new GridSampler({ x: [1, 2, 3] }, { seed: 1 }), direction: 'minimize' });
  await study.optimize((trial) => trial.suggestFloat('x', 0, 10), { nTrials: 10 });
  const complete = study.trials(['complete']);
  assert.deepEqual(complete.map((t) => t.params.x).sort(), [1, 2, 3]);
  const failed = study.trials(['failed']);
  assert.equal(failed.length, 1, 'the trial that found the grid empty is recorded as failed');
  assert.match(String(failed[0].systemAttrs.failReason), /grid exhausted: all 3 points are taken/);
  await study.close();
});
