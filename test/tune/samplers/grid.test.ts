import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GridExhaustedError, GridSampler } from '../../../src/tune/samplers/grid.js';
import { categorical, floatParam, intParam } from '../../../src/tune/space/distributions.js';
import { MemoryStudy, type MemoryTrial } from '../helpers.js';

const GRID = { lr: [0.001, 0.01, 0.1], units: intParam(50, 100, { step: 25 }), opt: categorical(['adam', 'sgd']) };

function suggestAll(t: MemoryTrial): string {
  const lr = t.suggest('lr', floatParam(1e-4, 1, { scale: 'log' }));
  const units = t.suggest('units', intParam(50, 100, { step: 25 }));
  const opt = t.suggest('opt', categorical(['adam', 'sgd']));
  return JSON.stringify([lr, units, opt]);
}

test('point and gridIndexOf are inverse mixed-radix maps', () => {
  const g = new GridSampler(GRID);
  assert.equal(g.size, 18);
  for (let i = 0; i < g.size; i++) assert.equal(g.gridIndexOf(g.point(i)), i);
  assert.deepEqual(g.point(0), { lr: 0.001, units: 50, opt: 'adam' });
  assert.deepEqual(g.point(17), { lr: 0.1, units: 100, opt: 'sgd' });
  assert.equal(g.gridIndexOf({ lr: 0.5, units: 50, opt: 'adam' }), undefined);
});

test('covers every point exactly once, then says the grid is exhausted', () => {
  const sampler = new GridSampler(GRID, { seed: 4 });
  const study = new MemoryStudy('minimize', sampler);
  const seen = new Set<string>();
  for (let i = 0; i < 18; i++) {
    const t = study.ask();
    seen.add(suggestAll(t));
    study.tell(t, i);
  }
  assert.equal(seen.size, 18);
  assert.equal(sampler.isExhausted(study), true);
  assert.throws(() => study.ask(), GridExhaustedError);
});

test('under concurrency: running trials hold their points, and each new trial takes a free one', () => {
  const sampler = new GridSampler(GRID, { seed: 5 });
  const study = new MemoryStudy('minimize', sampler);
  // Five workers start trials before any finishes.
  const running = Array.from({ length: 5 }, () => study.ask());
  const keys = running.map(suggestAll);
  assert.equal(new Set(keys).size, 5);
  // A worker in another process: a sampler with no memory of these trials sees them through the study.
  const other = new GridSampler(GRID, { seed: 5 });
  const seen = new Set(keys);
  for (let i = 0; i < 13; i++) {
    const t = study.ask(other);
    const key = suggestAll(t);
    assert.ok(!seen.has(key), `point ${key} given twice`);
    seen.add(key);
    if (i % 2 === 0) study.tell(t, i, other); // some finish, some stay running
  }
  assert.equal(seen.size, 18);
  assert.throws(() => study.ask(other), GridExhaustedError);
});

test('workers that cannot see each other yet still take different points: trial n takes the n-th point of a seeded order', () => {
  // Eight processes, each with its own sampler (same seed) and a view of the study that lags: none has
  // seen the others' parameters yet. The storage hands out the trial numbers 0..size-1, each once.
  const grid = { a: Array.from({ length: 25 }, (_, i) => i), b: Array.from({ length: 40 }, (_, i) => i) };
  const workers = Array.from({ length: 8 }, () => new GridSampler(grid, { seed: 9 }));
  const empty = new MemoryStudy('minimize');
  const points = new Set<string>();
  for (let n = 0; n < 1000; n++) {
    const trial = { id: 5000 + n, number: n, state: 'running', params: {}, distributions: {}, intermediate: new Map(), userAttrs: {}, systemAttrs: {} } as const;
    points.add(JSON.stringify(workers[n % 8].sampleRelative(empty, trial)));
  }
  assert.equal(points.size, 1000, 'every trial number its own point');
  const g = workers[0];
  assert.deepEqual(new Set(Array.from({ length: g.size }, (_, n) => g.order(n))).size, g.size, 'order is a permutation');
  assert.notDeepEqual([g.order(0), g.order(1)], [new GridSampler(grid, { seed: 10 }).order(0), new GridSampler(grid, { seed: 10 }).order(1)]);
  // Consecutive trials land far apart: the first ten already cover most values of a.
  assert.ok(new Set(Array.from({ length: 10 }, (_, n) => g.point(g.order(n)).a)).size >= 8);
});

test('a failed trial gives its point back; a pruned one keeps it', () => {
  const sampler = new GridSampler({ a: [1, 2] }, { seed: 1 });
  const study = new MemoryStudy('minimize', sampler);
  const t1 = study.ask();
  const first = t1.suggest('a', categorical([1, 2]));
  study.tell(t1, 'failed');
  const t2 = study.ask();
  const t3 = study.ask();
  const again = [t2.suggest('a', categorical([1, 2])), t3.suggest('a', categorical([1, 2]))];
  assert.deepEqual([...again].sort(), [1, 2]);
  assert.ok(again.includes(first));
  study.tell(t2, 'pruned');
  study.tell(t3, 1);
  assert.throws(() => study.ask(), GridExhaustedError);
});

test('a step grid comes from the distribution; a continuous float needs a step or values', () => {
  const g = new GridSampler({ dropout: floatParam(0, 0.5, { step: 0.1 }) });
  assert.deepEqual(
    Array.from({ length: g.size }, (_, i) => g.point(i).dropout),
    [0, 0.1, 0.2, 0.3, 0.4, 0.5],
  );
  assert.throws(() => new GridSampler({ lr: floatParam(0, 1) }), /give it a step or a list of values/);
  assert.throws(() => new GridSampler({ a: [1, 1] }), /lists a value twice/);
});

test('a parameter outside the grid is drawn at random on its scale', () => {
  const study = new MemoryStudy('minimize', new GridSampler({ a: [1, 2, 3] }, { seed: 2 }));
  const t = study.ask();
  const lr = t.num('lr', floatParam(1e-4, 1, { scale: 'log' }));
  assert.ok(lr >= 1e-4 && lr <= 1);
});
