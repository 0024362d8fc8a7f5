import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStudy, loadStudy } from '../../src/tune/study.js';
import { TrialPruned, type Trial } from '../../src/tune/trial.js';
import { DistributionConflictError, TrialFinishedError } from '../../src/tune/storage/errors.js';
import { SqliteStorage } from '../../src/tune/storage/sqlite.js';
import { TestSampler, ThresholdPruner } from './study-sampler.js';

const dir = mkdtempSync(join(tmpdir(), 'caviar-study-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('optimize minimizes a quadratic; best trial, value and params agree', async () => {
  const sampler = new TestSampler(1);
  const study = await createStudy({ sampler });
  await study.optimize((trial) => (trial.suggestFloat('x', -10, 10) - 2) ** 2, { nTrials: 40 });
  const trials = study.trials();
  assert.equal(trials.length, 40);
  assert.ok(trials.every((t) => t.state === 'complete'));
  const best = Math.min(...trials.map((t) => t.value!));
  assert.equal(study.bestValue, best);
  assert.equal(study.bestTrial.value, best);
  assert.deepEqual(study.bestParams, study.bestTrial.params);
  assert.ok(Math.abs((study.bestParams.x as number) - 2) < 1);
  assert.deepEqual(sampler.finished, trials.map((t) => t.number), 'afterTrial sees every finished trial');

  const max = await createStudy({ direction: 'maximize', sampler: new TestSampler(1) });
  await max.optimize((trial) => trial.suggestFloat('x', 0, 1), { nTrials: 10 });
  assert.equal(max.bestValue, Math.max(...max.trials().map((t) => t.value!)));
});

test('bestTrial with no complete trial is a clear error', async () => {
  const study = await createStudy({ name: 'empty', sampler: new TestSampler() });
  assert.throws(() => study.bestTrial, /study "empty" has no complete trial yet/);
});

test('suggest: every scale; the same name twice gives the same value', async () => {
  const study = await createStudy({ sampler: new TestSampler(3) });
  const trial = await study.ask();
  const lr = trial.suggestFloat('lr', 1e-4, 1, { log: true });
  assert.ok(lr >= 1e-4 && lr <= 1);
  assert.equal(trial.suggestFloat('lr', 1e-4, 1, { log: true }), lr);
  const beta = trial.suggestFloat('beta', 0.9, 0.999, { scale: 'oneMinusBeta' });
  assert.ok(beta >= 0.9 && beta <= 0.999);
  const units = trial.suggestInt('units', 50, 100);
  assert.ok(Number.isInteger(units) && units >= 50 && units <= 100);
  const even = trial.suggestInt('even', 2, 10, { step: 2 });
  assert.equal(even % 2, 0);
  const batch = trial.suggestInt('batch', 16, 512, { log: true });
  assert.ok(batch >= 16 && batch <= 512);
  const act = trial.suggestCategorical('act', ['relu', 'tanh'] as const);
  assert.ok(act === 'relu' || act === 'tanh');
  assert.deepEqual(Object.keys(trial.params), ['lr', 'beta', 'units', 'even', 'batch', 'act']);
  await study.tell(trial, 1);
  const stored = study.trials()[0];
  assert.deepEqual(stored.params, trial.params);
  assert.deepEqual(stored.distributions.beta, { type: 'float', low: 0.9, high: 0.999, scale: 'oneMinusBeta' });
  assert.deepEqual(stored.distributions.batch, { type: 'int', low: 16, high: 512, step: 1, scale: 'log' });
});

test('suggest: bad ranges and conflicting distributions are clear errors naming the parameter', async () => {
  const study = await createStudy({ sampler: new TestSampler() });
  const t0 = await study.ask();
  assert.throws(() => t0.suggestFloat('lr', 0, 1, { log: true }), /trial 0, parameter "lr".*log/);
  assert.throws(() => t0.suggestInt('n', 5, 1), /parameter "n".*low/);
  assert.throws(() => t0.suggestFloat('b', 0.9, 1.5, { scale: 'oneMinusBeta' }), /parameter "b"/);
  assert.throws(() => t0.suggestFloat('c', 1, 2, { log: true, scale: 'linear' }), /contradicts/);
  t0.suggestFloat('x', 0, 1);
  assert.throws(() => t0.suggestCategorical('x', ['a']), DistributionConflictError);
  await study.tell(t0, 0);
  const t1 = await study.ask();
  assert.throws(() => t1.suggestFloat('x', 0.1, 1, { log: true }), (e: Error) => e instanceof DistributionConflictError && /"x"/.test(e.message));
  t1.suggestFloat('x', 0.2, 0.5); // a narrower range is fine
  await study.tell(t1, 0);
});

test('lifecycle: throws, NaN, Infinity, non-numbers fail their trial with the reason; the study goes on', async () => {
  const study = await createStudy({ sampler: new TestSampler() });
  const outcomes: unknown[] = [
    () => {
      throw new RangeError('diverged');
    },
    NaN,
    Infinity,
    'oops',
    undefined,
    { loss: 1 },
    0.5,
  ];
  await study.optimize(
    async (trial) => {
      trial.suggestFloat('x', 0, 1);
      const o = outcomes[trial.number];
      return (typeof o === 'function' ? (o as () => number)() : o) as number;
    },
    { nTrials: outcomes.length },
  );
  const reasons = study.trials().map((t) => [t.state, t.systemAttrs.failReason]);
  assert.deepEqual(reasons.map((r) => r[0]), ['failed', 'failed', 'failed', 'failed', 'failed', 'failed', 'complete']);
  assert.match(String(reasons[0][1]), /RangeError: diverged/);
  assert.match(String(reasons[1][1]), /returned NaN/);
  assert.match(String(reasons[2][1]), /returned Infinity/);
  assert.match(String(reasons[3][1]), /returned a string \("oops"\)/);
  assert.match(String(reasons[4][1]), /returned nothing/);
  assert.match(String(reasons[5][1]), /returned an object/);
  assert.equal(study.bestValue, 0.5);
  assert.deepEqual(Object.keys(study.trials()[0].params), ['x'], 'a failed trial keeps its params');
});

test('catch: false or a list of classes stops the search on other errors, after failing the trial', async () => {
  const study = await createStudy({ sampler: new TestSampler() });
  await assert.rejects(
    study.optimize(
      () => {
        throw new TypeError('bug');
      },
      { nTrials: 5, catch: false },
    ),
    /bug/,
  );
  assert.deepEqual(study.trials().map((t) => t.state), ['failed']);
  let n = 0;
  await assert.rejects(
    study.optimize(
      () => {
        throw n++ < 2 ? new RangeError('expected') : new TypeError('unexpected');
      },
      { nTrials: 5, catch: [RangeError] },
    ),
    /unexpected/,
  );
  assert.equal(study.trials().length, 4);
});

test('TrialPruned prunes; the trial keeps its intermediate values and its last one as value', async () => {
  const study = await createStudy({ sampler: new TestSampler(), pruner: new ThresholdPruner(5) });
  await study.optimize(
    async (trial) => {
      const slope = trial.number % 2 === 0 ? 1 : 10;
      for (let step = 0; step < 5; step++) {
        trial.report(slope * step, step);
        trial.report(-1, step); // a repeated step keeps its first value
        await sleep(1);
        if (trial.shouldPrune()) throw new TrialPruned();
      }
      return slope;
    },
    { nTrials: 4 },
  );
  const [t0, t1] = study.trials();
  assert.equal(t0.state, 'complete');
  assert.deepEqual([...t0.intermediate.values()], [0, 1, 2, 3, 4]);
  assert.equal(t1.state, 'pruned');
  assert.deepEqual([...t1.intermediate.entries()], [[0, 0], [1, 10]]);
  assert.equal(t1.value, 10);
});

test('ask/tell: by trial or number, explicit states; a told trial is closed', async () => {
  const study = await createStudy({ sampler: new TestSampler() });
  const a = await study.ask();
  const b = await study.ask();
  const c = await study.ask();
  a.suggestFloat('x', 0, 1);
  a.setUserAttr('note', { epochs: 3 });
  const fa = await study.tell(a, 0.75);
  assert.equal(fa.state, 'complete');
  assert.deepEqual(fa.userAttrs, { note: { epochs: 3 } });
  b.report(0.9, 0);
  const fb = await study.tell(b.number, { state: 'pruned' });
  assert.deepEqual([fb.state, fb.value], ['pruned', 0.9]);
  const fc = await study.tell(c, { state: 'failed', reason: 'out of memory' });
  assert.equal(fc.systemAttrs.failReason, 'out of memory');
  await assert.rejects(study.tell(a, 1), TrialFinishedError);
  assert.throws(() => a.suggestFloat('y', 0, 1), TrialFinishedError);
  await assert.rejects(study.tell(99, 1), /no trial 99/);
  assert.deepEqual(study.trials(['complete']).map((t) => t.number), [0]);
});

test('enqueue: the fixed values come first, the rest is sampled; a bad enqueued value is named', async () => {
  const study = await createStudy({ sampler: new TestSampler() });
  await study.enqueue({ lr: 0.01, act: 'tanh' });
  await study.enqueue({ act: 'gelu' });
  await study.optimize(
    (trial) => {
      trial.suggestFloat('lr', 1e-4, 1, { log: true });
      trial.suggestCategorical('act', ['relu', 'tanh']);
      return trial.suggestFloat('other', 0, 1);
    },
    { nTrials: 3 },
  );
  const [t0, t1, t2] = study.trials();
  assert.equal(t0.params.lr, 0.01);
  assert.equal(t0.params.act, 'tanh');
  assert.equal(typeof t0.params.other, 'number');
  assert.equal(t1.state, 'failed');
  assert.match(String(t1.systemAttrs.failReason), /enqueued parameter "act".*gelu/);
  assert.equal(t2.systemAttrs.fixedParams, undefined);
});

test('relative sampling: jointly drawn values are used when the asked distribution contains them', async () => {
  const sampler = new TestSampler(0, { x: { distribution: { type: 'float', low: 0, high: 1, scale: 'linear' }, value: 0.5 } });
  const study = await createStudy({ sampler });
  const t = await study.ask();
  assert.equal(t.suggestFloat('x', 0, 1), 0.5);
  const u = await study.ask();
  assert.notEqual(u.suggestFloat('x', 0.6, 1), 0.5, 'outside the asked range: sampled independently');
});

test('in-thread concurrency runs async objectives side by side; untilComplete stops at exactly N', async () => {
  const study = await createStudy({ sampler: new TestSampler() });
  let running = 0;
  let most = 0;
  await study.optimize(
    async (trial) => {
      running++;
      most = Math.max(most, running);
      await sleep(5);
      running--;
      if (trial.number % 3 === 1) throw new Error('flaky');
      return trial.suggestFloat('x', 0, 1);
    },
    { untilComplete: 10, concurrency: 3 },
  );
  assert.equal(most, 3);
  assert.equal(study.trials(['complete']).length, 10);
  assert.ok(study.trials(['failed']).length >= 4);
});

test('tell-and-claim on a file storage keeps budgets exact: nTrials and untilComplete with three slots, a trial claimed with a finish runs', async () => {
  const study = await createStudy({ name: 'budget', storage: join(dir, 'budget.db'), sampler: new TestSampler() });
  const started: number[] = [];
  await study.optimize(
    async (trial) => {
      started.push(trial.number);
      await sleep(2);
      return trial.suggestFloat('x', 0, 1);
    },
    { nTrials: 10, concurrency: 3 },
  );
  assert.equal(study.trials().length, 10, 'nTrials: no slot claims past the budget while another awaits');
  assert.deepEqual([...started].sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i), 'every claimed trial ran');
  await study.optimize(
    async (trial) => {
      await sleep(2);
      if (trial.number % 4 === 1) throw new Error('flaky');
      return trial.suggestFloat('x', 0, 1);
    },
    { untilComplete: 25, concurrency: 3 },
  );
  assert.equal(study.trials(['complete']).length, 25);
  assert.equal(study.trials(['running']).length, 0, 'nothing left claimed and not run');
  await study.close();
});

test('timeoutMs and an abort signal stop starting trials', async () => {
  const study = await createStudy({ sampler: new TestSampler() });
  const t0 = Date.now();
  // Each trial outlasts the whole timeout, so whenever it started it ends past the deadline: no second
  // trial may start, however busy the machine. (How long the run takes is not checked: a slow machine
  // only makes it longer, and a run that never stops fails the test by hanging.)
  await study.optimize(async () => {
    const started = Date.now();
    while (Date.now() - started < 150) await sleep(10);
    return 1;
  }, { timeoutMs: 100 });
  assert.ok(Date.now() - t0 >= 100, 'optimize ran until the timeout');
  assert.ok(study.trials().length <= 1, `no trial started after the deadline: ${study.trials().length} trials`);
  assert.ok(study.trials().every((t) => t.state === 'complete'), 'the running trial finished');
  const ac = new AbortController();
  const before = study.trials().length;
  await study.optimize(
    async (trial) => {
      if (trial.number - before === 2) ac.abort();
      return 1;
    },
    { nTrials: 100, signal: ac.signal },
  );
  assert.equal(study.trials().length - before, 3);
  await assert.rejects(study.optimize(() => 1, {}), /give a budget/);
});

test('stream yields trials as they finish; breaking out stops the search', async () => {
  const study = await createStudy({ sampler: new TestSampler() });
  const seen: number[] = [];
  for await (const t of study.stream((trial) => trial.suggestFloat('x', 0, 1), { nTrials: 5 })) seen.push(t.number);
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  let count = 0;
  for await (const t of study.stream(async () => (await sleep(2), 1), { nTrials: 1000 })) {
    void t;
    if (++count === 3) break;
  }
  assert.ok(study.trials().length < 5 + 10);
});

test('storage strings: memory, sqlite:path and a plain path; loadIfExists; loadStudy', async () => {
  const path = join(dir, 'strings.db');
  const a = await createStudy({ name: 's', storage: `sqlite:${path}`, direction: 'maximize', sampler: new TestSampler(), userAttrs: { who: 'me' }, data: { experiment: 'x.yaml' } });
  assert.equal(a.storage.location, `sqlite:${path}`);
  await a.optimize((trial) => trial.suggestFloat('x', 0, 1), { nTrials: 3 });
  a.setSystemAttr('regions', [[0, 1]]);
  a.setUserAttr('note', 'first run');
  await a.close();

  await assert.rejects(createStudy({ name: 's', storage: path }), /already exists.*loadIfExists/);
  await assert.rejects(createStudy({ name: 's', storage: path, loadIfExists: true, direction: 'minimize' }), /maximize, not minimize/);
  const b = await createStudy({ name: 's', storage: path, loadIfExists: true, sampler: new TestSampler() });
  assert.equal(b.trials(['complete']).length, 3, 'a loaded study has its trials at once');
  assert.equal(b.direction, 'maximize');
  assert.deepEqual(b.systemAttrs, { regions: [[0, 1]] });
  await b.close();

  const c = await loadStudy({ name: 's', storage: path, sampler: new TestSampler() });
  assert.deepEqual(c.userAttrs, { who: 'me', note: 'first run' });
  assert.deepEqual(c.systemAttrs, { regions: [[0, 1]] });
  assert.deepEqual(c.data, { experiment: 'x.yaml' });
  await c.optimize((trial) => trial.suggestFloat('x', 0, 1), { nTrials: 2 });
  assert.deepEqual(c.trials().map((t) => t.number), [0, 1, 2, 3, 4]);
  await c.close();
  await assert.rejects(loadStudy({ name: 'nope', storage: path }), /no study named "nope" in sqlite:.*\(it has: s\)/);
  await assert.rejects(loadStudy({ name: 's', storage: join(dir, 'typo.db') }), /no study file at .*typo\.db/);

  const m = await createStudy({ storage: ':memory:', sampler: new TestSampler() });
  assert.equal(m.storage.location, 'memory');
  assert.throws(() => m.bestTrial, /no complete trial/);
  await assert.rejects(createStudy({ storage: 'postgres://u@127.0.0.1:1/db' }), /cannot connect to PostgreSQL at 127\.0\.0\.1:1: connection refused/);
});

test('toCSV and toJSON', async () => {
  const study = await createStudy({ name: 'exp', sampler: new TestSampler() });
  await study.optimize(
    (trial) => {
      trial.suggestCategorical('act', ['relu', 'tanh, smooth']);
      trial.setUserAttr('tag', 'a "quoted" word');
      trial.report(1.5, 0);
      if (trial.number === 1) throw new Error('bad, very bad');
      return trial.suggestFloat('lr', 1e-3, 1, { log: true });
    },
    { nTrials: 3 },
  );
  const lines = study.toCSV().trim().split('\n');
  assert.equal(lines[0], 'number,state,value,datetime_start,datetime_complete,duration_ms,params_act,params_lr,user_attrs_tag,fail_reason,retry_of');
  assert.equal(lines.length, 4);
  assert.match(lines[1], /^0,complete,0\.\d+,\d{4}-\d\d-\d\dT.*Z,\d{4}-.*Z,\d+,/);
  assert.match(lines[2], /^1,failed,,.*,"the objective threw Error: bad, very bad",$/);
  assert.match(study.toCSV(), /"a ""quoted"" word"/);
  const json = JSON.parse(JSON.stringify(study));
  assert.equal(json.name, 'exp');
  assert.equal(json.trials.length, 3);
  assert.deepEqual(json.trials[0].intermediate, [[0, 1.5]]);
  assert.equal(json.trials[1].value, null);
  assert.deepEqual(Object.keys(json.trials[0].distributions), ['act', 'lr']);
});

test('ask/tell with heartbeats: a trial whose process died fails after the grace period and is retried', async () => {
  const path = join(dir, 'heartbeat.db');
  // A "process" that claims a trial, records its params, then dies (never heartbeats again).
  const dead = await SqliteStorage.open(path);
  const record = await dead.createStudy({ name: 'hb', direction: 'minimize' });
  const t = (await dead.claimTrial(record.id))!;
  await dead.updateTrial(t.id, { params: [{ name: 'x', value: 0.25, distribution: { type: 'float', low: 0, high: 1, scale: 'linear' } }] });
  await dead.close();

  // A grace period of seconds: the next line must come within it, and \`live\`'s heartbeats must never pause
  // that long, however busy the machine; the sleep past it is a lower bound, which holds anywhere.
  const study = await loadStudy({ name: 'hb', storage: path, sampler: new TestSampler(), heartbeatMs: 100, graceMs: 3000, maxRetries: 1 });
  const live = await study.ask();
  assert.equal(live.number, 1, 'the dead trial is still within its grace period');
  live.suggestFloat('x', 0, 1);
  await sleep(3500); // heartbeats keep `live` alive; trial 0 is now stale
  const retry = await study.ask();
  assert.equal(retry.number, 2);
  assert.equal(retry.suggestFloat('x', 0, 1), 0.25, 'a retry re-runs the same parameters');
  await study.tell(retry, 1);
  await study.tell(live, 2);
  const [t0, t1, t2] = study.trials();
  assert.equal(t0.state, 'failed');
  assert.match(String(t0.systemAttrs.failReason), /no heartbeat/);
  assert.equal(t0.systemAttrs.retriedBy, 2);
  assert.equal(t1.state, 'complete');
  assert.deepEqual([t2.state, t2.systemAttrs.retryOf], ['complete', 0]);
  await study.close();
});

test('a trial failed by another process while it ran keeps that verdict, with a warning', async () => {
  const path = join(dir, 'verdict.db');
  const study = await createStudy({ name: 'v', storage: path, sampler: new TestSampler(), heartbeatMs: 10_000, graceMs: 20_000 });
  const trial: Trial = await study.ask();
  const other = await SqliteStorage.open(path);
  const id = (await other.trialsSince(study.id, 0)).trials[0].id;
  await other.updateTrial(id, { finish: { state: 'failed', reason: 'declared dead elsewhere' } });
  await other.close();
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  const finished = await study.tell(trial, 1);
  await sleep(10);
  process.off('warning', onWarning);
  assert.equal(finished.state, 'failed');
  assert.match(warnings.join('\n'), /trial 0 was already failed/);
  await study.close();
});

test('the default sampler is seeded by seed; a sampler with a seed is a clear error', async () => {
  const run = async () => {
    const s = await createStudy({ seed: 7 });
    await s.optimize((trial) => trial.suggestFloat('x', 0, 1), { nTrials: 3 });
    return s.trials().map((t) => t.value);
  };
  assert.deepEqual(await run(), await run());
  await assert.rejects(createStudy({ seed: 1, sampler: new TestSampler() }), /pass it to your sampler/);
});

test('loadStudy with closeStorage closes the Storage object it was given when the study closes; without it, leaves it open', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-close-storage-'));
  try {
    const file = join(dir, 'study.db');
    await (await createStudy({ name: 'kept', storage: file })).close();
    const shared = await SqliteStorage.open(file);
    await (await loadStudy({ name: 'kept', storage: shared })).close();
    assert.equal((await shared.listStudies()).length, 1, 'still open');
    await (await loadStudy({ name: 'kept', storage: shared, closeStorage: true })).close();
    await assert.rejects(shared.listStudies(), /closed|not open/i);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
