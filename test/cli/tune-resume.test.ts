// A resumed study checks its experiment: the data, model, training settings,
// seed and space a study was made with are recorded, and `caviar tune` with
// another problem is refused (naming what changed) instead of mixing trials
// that do not compare, unless --accept-changes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCaviar as run } from '../helpers/cli.js';
import { createStudy, loadStudy } from '../../src/tune/study.js';
import { problemChanges, problemOf } from '../../src/experiment/fingerprint.js';
import { parseExperiment } from '../../src/experiment/spec.js';

const dir = mkdtempSync(join(tmpdir(), 'caviar-tune-resume-'));
after(() => rmSync(dir, { recursive: true, force: true }));


function experiment(name: string, lines: { data?: string; train?: string; tune?: string; seed?: string }): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, [
    `name: ${name}`,
    lines.seed ?? 'seed: 1',
    `data: ${lines.data ?? '{ source: blobs, classes: 3, perClass: 30, features: 4 }'}`,
    'model: { hidden: [8] }',
    `train: ${lines.train ?? '{ epochs: 2, batchSize: 16 }'}`,
    `output: ${join(dir, name)}`,
    `tune: ${lines.tune ?? '{ trials: 2, sampler: random, pruner: none }'}`,
  ].join('\n'));
  return path;
}

async function trialsOf(name: string): Promise<number> {
  const study = await loadStudy({ name, storage: join(dir, name, 'study.db') });
  try {
    return study.trials().length;
  } finally {
    await study.close();
  }
}

test('a storage that cannot be opened is bad input (exit 2), as in every other command', async () => {
  const r = await run(['tune', experiment('unreachable', {}), '--storage', 'postgres://me@127.0.0.1:1/test']);
  assert.equal(r.code, 2);
  assert.match(r.err, /^caviar tune: cannot connect to PostgreSQL at 127\.0\.0\.1:1/);
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'not a study\n');
  const damaged = await run(['tune', experiment('unreachable', {}), '--storage', text]);
  assert.equal(damaged.code, 2);
  assert.match(damaged.err, /notes\.txt/);
});

test('another data set, model or training run is refused, naming each change; the study is untouched', async () => {
  assert.equal((await run(['tune', experiment('blobs', {})])).code, 0);
  const changed = experiment('blobs', { data: '{ source: blobs, classes: 5, perClass: 30, features: 4 }', train: '{ epochs: 3, batchSize: 16 }' });
  const r = await run(['tune', changed, '--trials', '4']);
  assert.equal(r.code, 2, r.out);
  assert.equal(
    r.err,
    `caviar tune: study 'blobs' in ${join(dir, 'blobs', 'study.db')} was made by another experiment: data.classes: 3 → 5; train.epochs: 2 → 3. ` +
      'Its 2 trials would not compare with new ones: start a new study (--study ANOTHER_NAME, or another --storage), or pass --accept-changes to add trials to this one anyway',
  );
  assert.equal(await trialsOf('blobs'), 2, 'no trial was added');
  // The budget, workers, sampler and pruner are not the problem: they may change.
  const sameProblem = experiment('blobs', { tune: '{ trials: 3, workers: 2, sampler: tpe, pruner: median }' });
  assert.equal((await run(['tune', sameProblem])).code, 0);
  assert.equal(await trialsOf('blobs'), 3);
  for (const [what, lines, change] of [
    ['seed', { seed: 'seed: 2' }, 'seed: 1 → 2'],
    ['space', { tune: '{ trials: 4, sampler: random, pruner: none, space: { learningRate: { type: float, low: 0.001, high: 0.1, scale: log } } }' }, 'tune.space: "default" → {"learningRate":'],
    ['metric', { tune: '{ trials: 4, sampler: random, pruner: none, metric: devLoss }' },
      "study 'blobs' in " + join(dir, 'blobs', 'study.db') + " maximizes its metric, and this experiment's tune.metric devLoss is to minimize: " +
        'a study ranks its trials one way; start a new study (--study ANOTHER_NAME, or another --storage)'],
  ] as const) {
    const again = await run(['tune', experiment('blobs', lines)]);
    assert.equal(again.code, 2, `${what} changed: refused as bad input`);
    assert.ok(again.err.includes(change), `${what}: ${again.err}`);
  }
  assert.equal(await trialsOf('blobs'), 3);
});

test('data files count by their contents: a moved file is the same data, an edited one is not', async () => {
  const data = join(dir, 'rows.csv');
  const rows = ['a,b,label', ...Array.from({ length: 60 }, (_, i) => `${i % 7},${(i * 3) % 5},${i % 2 ? 'yes' : 'no'}`)];
  writeFileSync(data, rows.join('\n') + '\n');
  assert.equal((await run(['tune', experiment('csv', { data: `{ source: csv, path: ${data}, label: label }` })])).code, 0);
  mkdirSync(join(dir, 'moved'));
  const moved = join(dir, 'moved', 'rows.csv');
  renameSync(data, moved);
  const same = await run(['tune', experiment('csv', { data: `{ source: csv, path: ${moved}, label: label }`, tune: '{ trials: 3, sampler: random, pruner: none }' })]);
  assert.equal(same.code, 0, same.err);
  writeFileSync(moved, [...rows, '9,9,yes'].join('\n') + '\n');
  const edited = await run(['tune', experiment('csv', { data: `{ source: csv, path: ${moved}, label: label }`, tune: '{ trials: 4, sampler: random, pruner: none }' })]);
  assert.equal(edited.code, 2);
  assert.match(edited.err, /was made by another experiment: data\.path: another file \(rows\.csv, \d+ bytes, sha256 [0-9a-f]{8} → rows\.csv, \d+ bytes, sha256 [0-9a-f]{8}\)\. Its 3 trials/);
});

test('--accept-changes goes on, says so, and records the new experiment for the next resume', async () => {
  assert.equal((await run(['tune', experiment('accept', {})])).code, 0);
  const changed = experiment('accept', { train: '{ epochs: 3, batchSize: 16 }', tune: '{ trials: 3, sampler: random, pruner: none }' });
  const r = await run(['tune', changed, '--accept-changes']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Resuming study 'accept' with a changed experiment \(--accept-changes\): train\.epochs: 2 → 3$/m);
  const study = await loadStudy({ name: 'accept', storage: join(dir, 'accept', 'study.db') });
  try {
    assert.equal(study.trials().length, 3);
    assert.equal(((study.data as { experiment: { train: { epochs: number } } }).experiment.train.epochs), 3, 'workers and retraining read the new one');
  } finally {
    await study.close();
  }
  const next = await run(['tune', experiment('accept', { train: '{ epochs: 3, batchSize: 16 }', tune: '{ trials: 4, sampler: random, pruner: none }' })]);
  assert.equal(next.code, 0, next.err);
});

test('a study made before problems were recorded is checked against the experiment it recorded', async () => {
  const old = experiment('old', {});
  const exp = parseExperiment({ name: 'old', seed: 1, data: { source: 'blobs', classes: 3, perClass: 30, features: 4 }, model: { hidden: [8] }, train: { epochs: 2, batchSize: 16 }, output: join(dir, 'old'), tune: { trials: 2 } }, old);
  mkdirSync(join(dir, 'old'), { recursive: true });
  // As an earlier caviar tune left it: the experiment in the study's data, no `problem` attribute.
  const study = await createStudy({ name: 'old', storage: join(dir, 'old', 'study.db'), direction: 'maximize', data: { experiment: exp.raw, source: old } });
  const trial = await study.ask();
  trial.suggestFloat('learningRate', 1e-4, 1, { log: true });
  await study.tell(trial, 0.5);
  await study.close();
  const r = await run(['tune', experiment('old', { data: '{ source: blobs, classes: 4, perClass: 30, features: 4 }' })]);
  assert.equal(r.code, 2);
  // Its trials were scored by their last epoch, as every trial was before tune.epoch existed.
  assert.match(r.err, /was made by another experiment: data\.classes: 3 → 4; tune\.epoch: "last" → "best"\. Its 1 trial would not compare/);
});

test('a study recorded before tune.epoch existed resumes with tune.epoch: last, and is refused with the new default', async () => {
  const file = experiment('epochless', {});
  const first = await run(['tune', file]);
  assert.equal(first.code, 0, first.err);
  // As a study recorded by the version before tune.epoch: the same problem, without the field.
  const storage = join(dir, 'epochless', 'study.db');
  const study = await loadStudy({ name: 'epochless', storage });
  const problem = study.systemAttrs.problem as { tune: Record<string, unknown> };
  assert.equal(problem.tune.epoch, 'best', 'recorded by this version');
  delete problem.tune.epoch;
  await study.setSystemAttr('problem', problem);
  await study.close();
  const refused = await run(['tune', file]);
  assert.equal(refused.code, 2);
  assert.match(refused.err, /another experiment: tune\.epoch: "last" → "best"\./);
  const text = readFileSync(file, 'utf8').replace(/^tune: \{ trials: 2,/m, 'tune: { epoch: last, trials: 3,');
  writeFileSync(file, text);
  const resumed = await run(['tune', file]);
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(resumed.out, /3\/3 complete/);
});

test('problemChanges lists each changed leaf, and nothing for the same problem', () => {
  const a = problemOf(parseExperiment({ name: 'x', data: { source: 'spirals', classes: 3 }, model: { hidden: [8, 8] } }, 'a.yaml'));
  const b = problemOf(parseExperiment({ name: 'y', output: 'elsewhere', data: { source: 'spirals', classes: 3 }, model: { hidden: [8, 8] }, tune: { trials: 50, workers: 4 } }, 'b.yaml'));
  assert.deepEqual(problemChanges(a, b), []);
  const c = problemOf(parseExperiment({ name: 'x', data: { source: 'spirals', classes: 3 }, model: { hidden: [8, 16], batchNorm: false } }, 'a.yaml'));
  assert.deepEqual(problemChanges(a, c), ['model.batchNorm: true → false', 'model.hidden: [8,8] → [8,16]']);
});
