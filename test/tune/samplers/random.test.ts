import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomSampler } from '../../../src/tune/samplers/random.js';
import { categorical, floatParam, intParam } from '../../../src/tune/space/distributions.js';
import { MemoryStudy } from '../helpers.js';

const lr = floatParam(1e-4, 1, { scale: 'log' });
const beta = floatParam(0.9, 0.999, { scale: 'oneMinusBeta' });

function draw(seed: number, n: number): { lr: number; beta: number; units: number; opt: string }[] {
  const study = new MemoryStudy('minimize', new RandomSampler({ seed }));
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = study.ask();
    out.push({ lr: t.num('lr', lr), beta: t.num('beta', beta), units: t.num('units', intParam(50, 100)), opt: t.suggest('opt', categorical(['adam', 'sgd'])) as string });
    study.tell(t, 0);
  }
  return out;
}

test('the same seed gives the same values, another seed others', () => {
  assert.deepEqual(draw(1, 20), draw(1, 20));
  assert.notDeepEqual(draw(1, 20), draw(2, 20));
});

test('through a study, the log and 1 - beta scales have their known shares', () => {
  const samples = draw(7, 10_000);
  const decades = [0, 0, 0, 0];
  for (const s of samples) decades[Math.min(3, Math.floor(-Math.log10(s.lr)))]++;
  for (const c of decades) assert.ok(Math.abs(c - 2500) < 4 * 43, `decades ${decades}`);
  const above = samples.filter((s) => s.beta > 0.99).length;
  assert.ok(Math.abs(above - 5000) < 4 * 50, `${above} of 10000 betas above 0.99`);
  const units = samples.map((s) => s.units);
  assert.equal(Math.min(...units), 50);
  assert.equal(Math.max(...units), 100);
  const adam = samples.filter((s) => s.opt === 'adam').length;
  assert.ok(Math.abs(adam - 5000) < 4 * 50);
});

test('parameters of one trial are independent of each other (no shared stream)', () => {
  const samples = draw(3, 5000);
  // Correlation of the internal coordinates of lr and beta: near 0.
  const x = samples.map((s) => Math.log10(s.lr));
  const y = samples.map((s) => Math.log10(1 - s.beta));
  const mx = x.reduce((a, b) => a + b) / x.length;
  const my = y.reduce((a, b) => a + b) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  assert.ok(Math.abs(sxy / Math.sqrt(sxx * syy)) < 0.06);
});
