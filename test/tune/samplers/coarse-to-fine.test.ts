import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoarseToFineSampler, coarseToFineRegions } from '../../../src/tune/samplers/coarse-to-fine.js';
import { RandomSampler } from '../../../src/tune/samplers/random.js';
import { categorical, floatParam, intParam } from '../../../src/tune/space/distributions.js';
import { MemoryStudy, type MemoryTrial } from '../helpers.js';

const LR = floatParam(1e-5, 1, { scale: 'log' });
const BETA = floatParam(0.9, 0.999, { scale: 'oneMinusBeta' });
const UNITS = intParam(16, 512);

// Best at lr = 1e-3, beta = 0.99, units = 128.
function objective(t: MemoryTrial): number {
  const lr = t.num('lr', LR);
  const beta = t.num('beta', BETA);
  const units = t.num('units', UNITS);
  return (Math.log10(lr) + 3) ** 2 + (Math.log10(1 - beta) + 2) ** 2 + ((units - 128) / 100) ** 2;
}

test('regions shrink round after round and keep containing the optimum', () => {
  const study = new MemoryStudy('minimize', new CoarseToFineSampler({ seed: 1, roundSize: 30, topFraction: 0.2, margin: 0.1 }));
  study.optimize(objective, 150);
  const regions = coarseToFineRegions(study);
  assert.deepEqual(
    regions.map((r) => r.round),
    [0, 1, 2, 3, 4],
  );
  assert.deepEqual(regions[0].params, {}); // round 0: the whole space
  let previousWidth = { lr: 5, beta: 2, units: 497 };
  for (const r of regions.slice(1)) {
    const lr = r.params.lr;
    const beta = r.params.beta;
    const units = r.params.units;
    assert.ok(lr.type === 'numeric' && beta.type === 'numeric' && units.type === 'numeric');
    // Widths in the internal space (decades for lr and 1 - beta).
    const width = { lr: lr.internal.high - lr.internal.low, beta: beta.internal.high - beta.internal.low, units: units.internal.high - units.internal.low };
    assert.ok(width.lr < previousWidth.lr && width.beta < previousWidth.beta && width.units < previousWidth.units, `round ${r.round}: ${JSON.stringify(width)}`);
    previousWidth = width;
    assert.ok(lr.low <= 1e-3 && 1e-3 <= lr.high, `round ${r.round}: lr ${lr.low}..${lr.high}`);
    assert.ok(beta.low <= 0.99 && 0.99 <= beta.high, `round ${r.round}: beta ${beta.low}..${beta.high}`);
    assert.ok(units.low <= 128 && 128 <= units.high, `round ${r.round}: units ${units.low}..${units.high}`);
    assert.equal(r.startTrial, r.round * 30);
  }
  // By the last round the learning rate is pinned within a decade or so.
  assert.ok(previousWidth.lr < 1.5, `final lr width ${previousWidth.lr} decades`);
  // Trials of a round lie in its region.
  for (const t of study.trials().slice(120)) {
    const lr = regions[4].params.lr;
    assert.ok(lr.type === 'numeric' && (t.params.lr as number) >= lr.low * (1 - 1e-12) && (t.params.lr as number) <= lr.high * (1 + 1e-12));
  }
});

test('finds a better optimum than random search with the same budget', () => {
  let wins = 0;
  for (let seed = 0; seed < 10; seed++) {
    const c2f = new MemoryStudy('minimize', new CoarseToFineSampler({ seed, roundSize: 20 }));
    c2f.optimize(objective, 100);
    const random = new MemoryStudy('minimize', new RandomSampler({ seed }));
    random.optimize(objective, 100);
    if (c2f.best().value! < random.best().value!) wins++;
  }
  assert.ok(wins >= 8, `coarse-to-fine won ${wins} of 10`);
});

test('categorical parameters narrow to the choices of the top trials; maximize ranks the other way', () => {
  const study = new MemoryStudy('maximize', new CoarseToFineSampler({ seed: 2, roundSize: 20 }));
  study.optimize((t) => {
    const opt = t.suggest('opt', categorical(['adam', 'sgd', 'rmsprop']));
    const x = t.num('x', floatParam(0, 10));
    return (opt === 'adam' ? 10 : 0) - (x - 7) ** 2;
  }, 40);
  const r = coarseToFineRegions(study)[1];
  assert.deepEqual(r.params.opt, { type: 'categorical', choices: ['adam'] });
  const x = r.params.x;
  assert.ok(x.type === 'numeric' && x.low <= 7 && x.high >= 7 && x.high - x.low < 10);
  for (const t of study.trials().slice(20)) assert.equal(t.params.opt, 'adam');
});
