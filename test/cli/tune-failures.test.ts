// caviar tune on a space where every trial diverges: the study stops after
// tune.maxConsecutiveFailures failures in a row, prints the likely cause in
// one line and exits 1, instead of running failed trials until killed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCaviar as run } from '../helpers/cli.js';
import { loadStudy } from '../../src/tune/study.js';
import { likelyCause } from '../../src/experiment/failures.js';

const dir = mkdtempSync(join(tmpdir(), 'caviar-tune-failures-'));
after(() => rmSync(dir, { recursive: true, force: true }));


function diverging(name: string, extra = ''): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, [
    `name: ${name}`,
    'data: { source: spirals, classes: 3, perClass: 60 }',
    'model: { hidden: [16], batchNorm: false }',
    'train: { epochs: 2, batchSize: 32, optimizer: sgd }',
    `output: ${join(dir, name)}`,
    'tune:',
    '  trials: 5',
    '  sampler: random',
    '  pruner: none',
    '  space:',
    '    learningRate: { type: float, low: 1e5, high: 1e6, scale: log }',
    extra,
  ].join('\n'));
  return path;
}

test('every trial diverges: 20 failures in a row stop the study, exit 1, one line with the likely cause', async () => {
  const r = await run(['tune', diverging('diverge')]);
  assert.equal(r.code, 1, r.err);
  const lines = r.out.split('\n');
  assert.match(lines.at(-1)!, /^Stopped: 20 trials in a row failed \(tune\.maxConsecutiveFailures\): every trial diverged \((NaN|Infinity)( or (NaN|Infinity))? loss\): the learning rate may be too high; lower the top of tune\.space\.learningRate$/);
  assert.match(r.out, /No trial completed \(0 pruned, 20 failed\)/);
  const study = await loadStudy({ name: 'diverge', storage: join(dir, 'diverge', 'study.db') });
  try {
    assert.equal(study.trials().length, 20, 'nothing ran after the last straw');
    assert.ok(study.trials().every((t) => t.state === 'failed' && /^the objective threw Error: training diverged: the loss became (NaN|Infinity)/.test(String(t.systemAttrs.failReason))));
  } finally {
    await study.close();
  }
});

test('tune.maxConsecutiveFailures sets the bound; --json ends with a stopped event; the field is checked', async () => {
  const r = await run(['tune', diverging('three', '  maxConsecutiveFailures: 3\n  workers: 2'), '--json']);
  assert.equal(r.code, 1, r.err);
  const events = r.out.split('\n').map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
  const stopped = events.at(-1)!;
  assert.equal(stopped.type, 'stopped');
  assert.equal(stopped.reason, 'failures');
  assert.equal(stopped.count, 3);
  assert.match(String(stopped.cause), /^every trial diverged/);
  assert.ok(events.filter((e) => e.type === 'trial').length <= 4, 'three failures, and at most one more that was running');
  const bad = await run(['tune', diverging('bad', '  maxConsecutiveFailures: 0')]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /tune\.maxConsecutiveFailures: expected an integer >= 1, got 0/);
});

test('the likely cause names what the failures share', () => {
  const diverged = 'the objective threw Error: training diverged: the loss became NaN at epoch 1, batch 2; try a smaller learning rate';
  assert.equal(likelyCause([diverged, diverged]), 'every trial diverged (NaN loss): the learning rate may be too high; lower the top of tune.space.learningRate');
  assert.equal(
    likelyCause(['the worker thread exited with code 134 during the trial', 'the worker thread crashed: ERR_WORKER_OUT_OF_MEMORY']),
    'the threads running the trials kept dying (the worker thread crashed: ERR_WORKER_OUT_OF_MEMORY); the model or batch may not fit in memory: try fewer workers or smaller layers',
  );
  assert.equal(likelyCause(['the objective threw Error: no such file data.csv', 'the objective threw Error: no such file data.csv']), 'every trial failed the same way: no such file data.csv');
  assert.equal(likelyCause(['the objective threw TypeError: a', 'the objective threw RangeError: b']), 'the last one: b');
});
