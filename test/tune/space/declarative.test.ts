import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpaceError, parseSpace, sampleSpace, spaceDistributions } from '../../../src/tune/space/declarative.js';
import type { Distribution, ParamValue } from '../../../src/tune/types.js';
import { RandomSampler } from '../../../src/tune/samplers/random.js';
import { MemoryStudy } from '../helpers.js';

const COURSE_SPACE = {
  lr: { type: 'float', low: 1e-4, high: 1, scale: 'log' },
  beta: { type: 'float', low: 0.9, high: 0.999, scale: 'oneMinusBeta' },
  units: { type: 'int', low: 50, high: 100 },
  optimizer: { type: 'categorical', choices: ['adam', 'momentum'] },
  momentum: { type: 'float', low: 0.8, high: 0.99, scale: 'oneMinusBeta', when: { optimizer: 'momentum' } },
};

function problemsOf(input: unknown): readonly string[] {
  try {
    parseSpace(input);
  } catch (e) {
    assert.ok(e instanceof SpaceError);
    return e.problems;
  }
  assert.fail('expected a SpaceError');
}

test('parses the course space into distributions and conditions', () => {
  const space = parseSpace(COURSE_SPACE);
  assert.deepEqual(
    space.params.map((p) => p.name),
    ['lr', 'beta', 'units', 'optimizer', 'momentum'],
  );
  const d = spaceDistributions(space);
  assert.deepEqual(d.lr, { type: 'float', low: 1e-4, high: 1, scale: 'log' });
  assert.deepEqual(d.units, { type: 'int', low: 50, high: 100, step: 1, scale: 'linear' });
  assert.deepEqual(space.params[4].when, { optimizer: ['momentum'] });
  // A bare list is a categorical.
  assert.deepEqual(parseSpace({ act: ['relu', 'tanh'] }).params[0].distribution, { type: 'categorical', choices: ['relu', 'tanh'] });
});

test('reports every problem at once, each with its field path', () => {
  const problems = problemsOf({
    lr: { type: 'float', low: 0, high: 1, scale: 'log' },
    beta: { type: 'float', low: 0.9, high: 1.5, scale: 'oneMinusBeta' },
    units: { type: 'int', low: 100, hgih: 50 },
    act: { type: 'categorical', choices: [] },
    depth: { type: 'integer', low: 1, high: 3 },
    momentum: { type: 'float', low: 0.5, high: 0.9, when: { optimiser: 'momentum' } },
    nesterov: { type: 'categorical', choices: [true, false], when: { act: 'relu' } },
    width: 'wide',
  });
  assert.deepEqual(problems, [
    'space.lr.low: expected a number > 0 for a log scale, got 0',
    'space.beta.high: expected a number in (0, 1) for the oneMinusBeta scale, got 1.5',
    'space.units.hgih: unknown field for an int parameter; expected one of type, low, high, step, scale, when',
    'space.units.high: expected an integer, got nothing',
    'space.act.choices: expected a non-empty list of values, got []',
    "space.depth.type: expected 'float', 'int' or 'categorical', got 'integer'",
    "space.width: expected an object with a type (float, int, categorical) or a list of choices, got 'wide'",
    "space.momentum.when.optimiser: no parameter named 'optimiser' in the space",
  ]);
});

test('conditions must name values the other parameter can take, and must not loop', () => {
  assert.deepEqual(
    problemsOf({
      optimizer: ['adam', 'sgd'],
      momentum: { type: 'float', low: 0.5, high: 0.9, when: { optimizer: 'momentum' } },
    }),
    ["space.momentum.when.optimizer: 'momentum' is not a value 'optimizer' can take"],
  );
  assert.deepEqual(
    problemsOf({
      a: { type: 'categorical', choices: [1, 2], when: { b: 1 } },
      b: { type: 'categorical', choices: [1, 2], when: { a: 1 } },
    }),
    ['space.a.when: circular condition a -> b -> a'],
  );
  assert.deepEqual(problemsOf({ a: { type: 'categorical', choices: [1], when: { a: 1 } } }), ['space.a.when.a: a parameter cannot depend on itself']);
  assert.deepEqual(problemsOf([1, 2]), ['space: expected an object of parameters, got [1,2]']);
  // The error message lists them all, under the given source.
  assert.throws(() => parseSpace({ lr: { type: 'float', low: 0, high: 1, scale: 'log' } }, 'tune.yaml:space'), /tune\.yaml:space\.lr\.low: expected a number > 0/);
});

test('a conditional parameter comes after the one it depends on, and exists only when its condition holds', () => {
  const space = parseSpace({
    momentum: { type: 'float', low: 0.8, high: 0.99, scale: 'oneMinusBeta', when: { optimizer: ['momentum', 'nesterov'] } },
    optimizer: ['adam', 'momentum', 'nesterov'],
  });
  assert.deepEqual(
    space.params.map((p) => p.name),
    ['optimizer', 'momentum'],
  );
  const study = new MemoryStudy('minimize', new RandomSampler({ seed: 1 }));
  const seen = new Set<string>();
  for (let i = 0; i < 60; i++) {
    const trial = study.ask();
    const params = sampleSpace(trial, space);
    seen.add(params.optimizer as string);
    assert.equal('momentum' in params, params.optimizer !== 'adam', JSON.stringify(params));
    assert.deepEqual(Object.keys(trial.params).sort(), Object.keys(params).sort());
    study.tell(trial, 0);
  }
  assert.equal(seen.size, 3);
});

test('sampleSpace asks the trial for each parameter with its distribution', () => {
  const asked: [string, Distribution][] = [];
  const fake = {
    suggest(name: string, d: Distribution): ParamValue {
      asked.push([name, d]);
      return d.type === 'categorical' ? d.choices[1] : d.low;
    },
  };
  const values = sampleSpace(fake, parseSpace(COURSE_SPACE));
  assert.deepEqual(values, { lr: 1e-4, beta: 0.9, units: 50, optimizer: 'momentum', momentum: 0.8 });
  assert.equal(asked.length, 5);
});
