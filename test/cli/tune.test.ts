import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCaviar as run } from '../helpers/cli.js';
import { loadStudy } from '../../src/tune/study.js';
import { loadModel } from '../../src/io/model-file.js';


function experiment(dir: string, extra = ''): string {
  const path = join(dir, 'exp.yaml');
  writeFileSync(path, [
    'name: tiny',
    'data: { source: blobs, classes: 3, perClass: 60, features: 4 }',
    'model: { hidden: [16] }',
    'train: { epochs: 3, batchSize: 16 }',
    `output: ${join(dir, 'out')}`,
    'tune:',
    '  trials: 4',
    '  sampler: random',
    '  pruner: none',
    extra,
  ].join('\n'));
  return path;
}

test('caviar tune runs trials in two worker threads, saves the study and the models, and resumes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-tune-'));
  try {
    const path = experiment(dir, '  workers: 2');
    const first = await run(['tune', path]);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /Tuning tiny: 4 trials \(0 already complete\), 2 workers, random sampler, none pruner/);
    assert.match(first.out, /Best trial: \d+  devAccuracy [01]\.\d{4}  test accuracy [01]\.\d{4}/);
    const studyFile = join(dir, 'out', 'study.db');
    assert.match(first.out, new RegExp(`Study 'tiny' saved in ${studyFile}`));
    const study = await loadStudy({ name: 'tiny', storage: studyFile });
    try {
      const complete = study.trials(['complete']);
      assert.equal(complete.length, 4);
      // The built-in space for 4 trials is the learning rate alone (the course's first priority).
      for (const t of complete) assert.deepEqual(Object.keys(t.params), ['learningRate']);
      const best = study.bestTrial;
      assert.ok(existsSync(String(best.userAttrs.model)));
      assert.equal(loadModel(String(best.userAttrs.model)).inputSize, 4);
      assert.equal((best.userAttrs.curves as unknown[]).length, 3);
      assert.deepEqual([...best.intermediate.keys()], [1, 2, 3], 'dev accuracy reported after each epoch');
    } finally {
      await study.close();
    }
    const again = await run(['tune', path, '--trials', '6', '--workers', '1']);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /Tuning tiny: 6 trials \(4 already complete\), 1 worker/);
    assert.match(again.out, /6 complete, 0 pruned, 0 failed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad experiment file stops before any work and leaves an existing study alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-tune-'));
  try {
    const path = experiment(dir);
    assert.equal((await run(['tune', path, '--trials', '2'])).code, 0);
    writeFileSync(path, 'data: { source: blobs }\ntune: { trials: 3, sampler: tpee, space: { learningRate: { type: float, low: 0, high: 1, scale: log } } }\n');
    const bad = await run(['tune', path]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /exp\.yaml: 2 problems:/);
    assert.match(bad.err, /tune\.sampler: unknown sampler 'tpee'/);
    assert.match(bad.err, /tune\.space\.learningRate\.low: expected a number > 0 for a log scale, got 0/);
    const study = await loadStudy({ name: 'tiny', storage: join(dir, 'out', 'study.db') });
    try {
      assert.equal(study.trials(['complete']).length, 2);
    } finally {
      await study.close();
    }
    const usage = await run(['tune']);
    assert.equal(usage.code, 2);
    assert.equal(usage.err, 'caviar tune: expected one EXPERIMENT file, got 0: caviar tune EXPERIMENT [options]');
    assert.match((await run(['tune', path, '--workers', '0'])).err, /--workers: expected a positive integer, got '0'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a coarse-to-fine study prints its regions, each inside the last', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-tune-'));
  try {
    const path = experiment(dir, '  space: { learningRate: { type: float, low: 1e-4, high: 1, scale: log } }');
    const text = readFileSync(path, 'utf8')
      .replace('trials: 4', 'trials: 12').replace('sampler: random', 'sampler: { type: coarse-to-fine, roundSize: 4, topFraction: 0.5 }');
    writeFileSync(path, text);
    const { code, out, err } = await run(['tune', path]);
    assert.equal(code, 0, err);
    const rounds = [...out.matchAll(/round (\d) from trial (\d+) \(top 2 of \d+ trials\): learningRate ([\d.e+-]+)\.\.([\d.e+-]+)/g)];
    assert.equal(rounds.length, 2, out);
    const [r1, r2] = rounds.map((m) => [Number(m[3]), Number(m[4])]);
    assert.ok(r2[0] >= r1[0] - 1e-12 && r2[1] <= r1[1] + 1e-12, `round 2 ${r2} inside round 1 ${r1}`);
    assert.ok(r1[1] / r1[0] < 1e4, 'round 1 is narrower than the whole 1e-4..1 range');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('caviar studies lists a study file, and caviar show prints the best trial, top trials and importance', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-tune-'));
  try {
    const path = experiment(dir, '  space: { learningRate: { type: float, low: 1e-4, high: 1, scale: log }, batchSize: [16, 32] }');
    assert.equal((await run(['tune', path, '--trials', '6'])).code, 0);
    const file = join(dir, 'out', 'study.db');
    const listed = await run(['studies', '--storage', file]);
    assert.equal(listed.code, 0, listed.err);
    assert.match(listed.out, /^study +direction +complete +pruned +failed +running +best +last activity +file/);
    assert.match(listed.out, /\ntiny +maximize +6 +0 +0 +0 +[01]\.\d{4} +\d{4}-\d\d-\d\d /);
    const shown = await run(['show', 'tiny', '--storage', file, '--top', '3']);
    assert.equal(shown.code, 0, shown.err);
    assert.match(shown.out, /Study 'tiny' in .*: maximize, 6 complete, 0 pruned, 0 failed, 0 running/);
    assert.match(shown.out, /Best trial \d+: value [01]\.\d{4} \(epoch \d+\), test accuracy [01]\.\d{4}\n  learningRate = /);
    assert.match(shown.out, /Top 3 trials:\ntrial +value +epoch +test acc +learningRate +batchSize/);
    assert.match(shown.out, /Parameter importance \(fANOVA, on each parameter's own scale\):\nparameter +importance/);
    const json = await run(['show', 'tiny', '--storage', file, '--json']);
    const event = JSON.parse(json.out);
    const total = event.importance.reduce((s: number, p: { importance: number }) => s + p.importance, 0);
    assert.ok(Math.abs(total - 1) < 1e-9);
    assert.deepEqual(event.importance.map((p: { name: string }) => p.name).sort(), ['batchSize', 'learningRate']);
    const missing = await run(['show', 'nope', '--storage', file]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /no study named 'nope' in .*study\.db; 'caviar studies' lists them/);
    assert.match((await run(['studies', '--storage', join(dir, 'none.db')])).err, /--storage: no study file at/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
