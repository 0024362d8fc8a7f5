// Multi-objective studies and constraints through the Study API: vectors in, the Pareto front out.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createStudy, loadStudy } from '../../src/tune/study.js';
import { dominates } from '../../src/tune/multi/pareto.js';

const dir = mkdtempSync(join(tmpdir(), 'caviar-mo-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a study with two directions takes vectors, and its best trials are exactly the non-dominated feasible ones', async () => {
  const study = await createStudy({ directions: ['maximize', 'minimize'], seed: 7 });
  assert.deepEqual([study.isMultiObjective, study.directions, study.direction], [true, ['maximize', 'minimize'], 'maximize']);
  await study.optimize((t) => {
    const x = t.suggestFloat('x', 0, 1);
    t.report([x / 2, 1], 0);
    if (t.number % 5 === 4) t.setConstraint([1]); // every fifth trial infeasible
    return [x, x * x + 0.1 * t.suggestFloat('y', 0, 1)];
  }, { nTrials: 40 });
  const complete = study.trials(['complete']);
  assert.equal(complete.length, 40);
  assert.ok(complete.every((t) => t.value === undefined && t.values!.length === 2));
  const front = study.bestTrials;
  assert.ok(front.length >= 2, `a front of several trials, got ${front.length}`);
  const feasible = complete.filter((t) => t.number % 5 !== 4);
  for (const t of feasible) {
    const dominated = feasible.some((o) => dominates(o.values!, t.values!, study.directions));
    assert.equal(front.includes(t), !dominated, `trial ${t.number} is on the front exactly when nothing dominates it`);
  }
  assert.ok(front.every((t) => t.number % 5 !== 4), 'no infeasible trial on the front');
  assert.deepEqual(complete[3].intermediateVectors?.get(0), [complete[3].params.x as number / 2, 1]);
  assert.throws(() => study.bestTrial, /2 objectives \(maximize, minimize\).*use bestTrials/);
  assert.throws(() => study.bestValue, /bestTrials/);
  await study.close();
});

test('ask/tell with vectors; a wrong count or a number fails the trial saying why; reports are checked', async () => {
  const study = await createStudy({ directions: ['minimize', 'minimize', 'maximize'] });
  const a = await study.ask();
  assert.throws(() => a.report(0.5, 0), /needs 3 numbers, one per objective/);
  assert.throws(() => a.report([1, 2], 0), /needs 3 numbers/);
  a.report([1, 2, 3], 0);
  assert.deepEqual((await study.tell(a, [1, 2, 3])).values, [1, 2, 3]);
  const b = await study.ask();
  const told = await study.tell(b, [1, 2]);
  assert.deepEqual([told.state, told.systemAttrs.failReason], ['failed', 'the objective returned [1, 2]; this study needs 3 finite numbers, one per objective']);
  const c = await study.ask();
  assert.match(String((await study.tell(c, 0.5)).systemAttrs.failReason), /one number \(0.5\); this study needs 3/);
  const d = await study.ask();
  assert.equal((await study.tell(d, { state: 'complete', values: [0, 0, Number.NaN] })).state, 'failed');
  const e = await study.ask();
  e.report([1, 1, 1], 3);
  const pruned = await study.tell(e, { state: 'pruned' });
  assert.deepEqual([pruned.state, pruned.value, pruned.values], ['pruned', undefined, undefined]);
  await study.close();
});

test('a single-objective study refuses vectors and keeps an infeasible trial out of its best', async () => {
  const study = await createStudy({ direction: 'minimize' });
  const a = await study.ask();
  assert.throws(() => a.report([1, 2], 0), /needs a number, got an array \(this study has one objective\)/);
  assert.equal((await study.tell(a, [1])).state, 'failed');
  const b = await study.ask();
  b.setConstraint([0.5]); // violated: the lowest value, but not the best
  await study.tell(b, 0.1);
  const c = await study.ask();
  c.setConstraint([0, -1]);
  await study.tell(c, 0.3);
  const d = await study.ask();
  assert.throws(() => d.setConstraint([]), /non-empty array of finite numbers/);
  assert.throws(() => d.setConstraint([Number.NaN]), /finite/);
  await study.tell(d, 0.2);
  assert.equal(study.bestTrial.number, 3, 'the best feasible trial (one without constraints is feasible)');
  assert.deepEqual(study.trials().find((t) => t.number === 1)!.constraints, [0.5]);
  assert.deepEqual(study.bestTrials.map((t) => t.number), [3]);
  await study.close();
});

test('directions are kept in a study file; reopening with other directions is refused', async () => {
  const storage = join(dir, 'mo.db');
  const study = await createStudy({ name: 'mo', storage, directions: ['maximize', 'minimize'] });
  await study.optimize((t) => [t.suggestFloat('x', 0, 1), 1], { nTrials: 3 });
  await study.close();
  const again = await loadStudy({ name: 'mo', storage });
  assert.deepEqual([again.directions, again.trials(['complete']).length, again.bestTrials.length > 0], [['maximize', 'minimize'], 3, true]);
  await again.close();
  await assert.rejects(createStudy({ name: 'mo', storage, loadIfExists: true, directions: ['maximize', 'maximize'] }), /is to maximize, minimize, not maximize, maximize/);
  await assert.rejects(createStudy({ name: 'mo', storage, loadIfExists: true, direction: 'maximize' }), /is to maximize, minimize, not maximize/);
  await assert.rejects(createStudy({ direction: 'minimize', directions: ['minimize', 'maximize'] }), /direction or directions, not both/);
  await assert.rejects(createStudy({ directions: ['up' as 'maximize', 'minimize'] }), /directions must be a non-empty array/);
});

test('objectives in worker threads return vectors, report them and set constraints', async () => {
  const study = await createStudy({ directions: ['minimize', 'minimize'], seed: 2 });
  const module = new URL('./fixtures-study/objectives.ts', import.meta.url).pathname;
  await study.optimize({ module, exportName: 'twoObjectives' }, { nTrials: 8, concurrency: 2 });
  const complete = study.trials(['complete']);
  assert.equal(complete.length, 8);
  for (const t of complete) {
    const x = t.params.x as number;
    assert.deepEqual(t.values, [x * x, (1 - x) ** 2]);
    assert.deepEqual(t.intermediateVectors?.get(0), [x, 1 - x]);
    assert.deepEqual(t.constraints, [x - 0.8]);
  }
  assert.ok(study.bestTrials.every((t) => (t.params.x as number) <= 0.8));
  await study.close();
});

test('CSV and JSON of a multi-objective study: values_0.. for value, constraints and feasibility', async () => {
  const study = await createStudy({ directions: ['maximize', 'minimize'] });
  const a = await study.ask();
  a.setConstraint([-1]);
  await study.tell(a, [0.5, 2]);
  const b = await study.ask();
  b.setConstraint([3]);
  await study.tell(b, [0.7, 1]);
  const lines = study.toCSV().trim().split('\n');
  assert.equal(lines[0].split(',').slice(0, 5).join(','), 'number,state,values_0,values_1,constraints');
  assert.match(lines[0], /,feasible,/);
  assert.equal(lines[1].split(',').slice(0, 5).join(','), '0,complete,0.5,2,[-1]');
  assert.ok(lines[2].startsWith('1,complete,0.7,1,[3],false'));
  const json = study.toJSON();
  assert.deepEqual(json.directions, ['maximize', 'minimize']);
  assert.deepEqual([json.trials[1].values, json.trials[1].constraints, json.trials[1].value], [[0.7, 1], [3], null]);
  await study.close();
  const single = await createStudy({ direction: 'minimize' });
  await single.tell(await single.ask(), 1);
  assert.ok(single.toCSV().startsWith('number,state,value,datetime_start'), 'a single-objective study exports as before');
  assert.equal('directions' in single.toJSON(), false);
  await single.close();
});
