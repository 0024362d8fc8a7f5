import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AutoSampler } from '../../../src/tune/samplers/auto.js';
import { GpSampler } from '../../../src/tune/samplers/gp/sampler.js';
import { TpeSampler } from '../../../src/tune/samplers/tpe/sampler.js';
import { createSampler } from '../../../src/tune/samplers/create.js';
import { categorical, floatParam } from '../../../src/tune/space/distributions.js';
import type { Sampler } from '../../../src/tune/types.js';
import { MemoryStudy, type MemoryTrial } from '../helpers.js';

const X = floatParam(-2, 2);
const Y = floatParam(-2, 2);
const OPT = categorical(['adam', 'sgd']);

const numeric = (t: MemoryTrial): number => (t.num('x', X) - 0.5) ** 2 + (t.num('y', Y) + 1) ** 2;
const withChoice = (t: MemoryTrial): number => numeric(t) + (t.suggest('opt', OPT) === 'adam' ? 0 : 1);

function paramsOf(sampler: Sampler, objective: (t: MemoryTrial) => number, n: number): unknown[] {
  const study = new MemoryStudy('minimize', sampler);
  study.optimize(objective, n);
  return study.trials().map((t) => t.params);
}

test('a small numeric space gets the GP: the same trials as GpSampler with the same seed', () => {
  assert.deepEqual(paramsOf(new AutoSampler({ seed: 4 }), numeric, 16), paramsOf(new GpSampler({ seed: 4 }), numeric, 16));
});

test('a categorical parameter gets TPE: the same trials as TpeSampler with the same seed', () => {
  const auto = new AutoSampler({ seed: 4 });
  assert.deepEqual(paramsOf(auto, withChoice, 16), paramsOf(new TpeSampler({ seed: 4 }), withChoice, 16));
});

test('choose: GP for numeric spaces below gpMaxTrials; TPE for categoricals, conditional spaces and many trials', () => {
  const auto = new AutoSampler({ seed: 1, gpMaxTrials: 12 });
  const study = new MemoryStudy('minimize', auto);
  assert.equal(auto.choose(study), 'gp', 'no trials yet');
  study.optimize(numeric, 11);
  assert.equal(auto.choose(study), 'gp');
  study.optimize(numeric, 1);
  assert.equal(auto.choose(study), 'tpe', '12 complete trials');

  const categoricalStudy = new MemoryStudy('minimize', auto);
  categoricalStudy.optimize(withChoice, 3);
  assert.equal(auto.choose(categoricalStudy), 'tpe');

  const conditional = new MemoryStudy('minimize', auto);
  conditional.optimize((t) => {
    const x = t.num('x', X);
    return x > 0 ? x + t.num('y', Y) : x;
  }, 8);
  const names = new Set(conditional.trials().map((t) => Object.keys(t.params).join(',')));
  assert.equal(names.size, 2, 'both branches were taken');
  assert.equal(auto.choose(conditional), 'tpe');
});

test('past gpMaxTrials the proposals are TPE\'s, and the study keeps improving', () => {
  const auto = new AutoSampler({ seed: 2, gpMaxTrials: 15 });
  const study = new MemoryStudy('minimize', auto);
  study.optimize(numeric, 15);
  const tpe = new TpeSampler({ seed: 2 });
  // The next trial, asked of a TPE with the same seed over the same trials, is the same.
  const fromAuto = study.ask().relative;
  const twin = new MemoryStudy('minimize', new GpSampler({ seed: 2 }));
  twin.optimize(numeric, 15);
  assert.deepEqual(fromAuto, twin.ask(tpe).relative);
  assert.ok(study.best().value! < 0.05, `best ${study.best().value}`);
});

test("createSampler('auto') builds it and checks its options", () => {
  const s = createSampler('auto', { gpMaxTrials: 50 }, 9) as AutoSampler;
  assert.equal(s.name, 'auto');
  assert.equal(s.gpMaxTrials, 50);
  assert.equal(s.seed, 9);
  assert.throws(() => createSampler('auto', { gpMax: 5 }), /unknown option 'gpMax' for sampler auto; expected one of nStartupTrials, gpMaxTrials/);
  assert.throws(() => new AutoSampler({ gpMaxTrials: -3 }), /gpMaxTrials must be an integer >= 0, got -3/);
});
