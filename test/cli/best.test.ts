import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCaviar as run } from '../helpers/cli.js';
import { blobs } from '../../src/data/synthetic.js';
import { loadModel, loadModelWithMetadata } from '../../src/io/model-file.js';
import { createStudy, loadStudy } from '../../src/tune/study.js';


function experiment(dir: string): string {
  const path = join(dir, 'exp.yaml');
  writeFileSync(path, [
    'name: tiny',
    'data: { source: blobs, classes: 3, perClass: 40, features: 4 }',
    'model: { hidden: [8] }',
    'train: { epochs: 2, batchSize: 16 }',
    `output: ${join(dir, 'out')}`,
    'tune: { trials: 4, sampler: random, pruner: none, space: { learningRate: { type: float, low: 1e-3, high: 0.1, scale: log } } }',
  ].join('\n'));
  return path;
}

test('caviar best --single copies the best trial\'s model, --retrain trains its parameters again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-best-'));
  try {
    const tuned = await run(['tune', experiment(dir)]);
    assert.equal(tuned.code, 0, tuned.err);
    const storage = join(dir, 'out', 'study.db');
    const study = await loadStudy({ name: 'tiny', storage });
    const best = study.bestTrial;
    await study.close();
    const trialFile = String(best.userAttrs.model);

    const target = join(dir, 'export', 'best.safetensors');
    const copied = await run(['best', 'tiny', '--storage', storage, '--single', '--export', target]);
    assert.equal(copied.code, 0, copied.err);
    assert.match(copied.out, new RegExp(`^Best trial of 'tiny' \\(.*\\): trial ${best.number}, value ${best.value!.toFixed(4)}, best epoch ${best.userAttrs.bestEpoch}, test accuracy ${Number(best.userAttrs.testAccuracy).toFixed(4)}\\n  learningRate=`));
    assert.match(copied.out, new RegExp(`Model copied from ${trialFile}\\n  to ${target}$`));
    assert.deepEqual(readFileSync(target), readFileSync(trialFile), 'the export is the trial\'s file, byte for byte');
    assert.deepEqual(readdirSync(join(dir, 'export')), ['best.safetensors'], 'no temporary file left behind');

    // Retraining the same parameters with the experiment's seed gives the trial's model again.
    const retrained = join(dir, 'export', 'retrained.safetensors');
    const again = await run(['best', 'tiny', '--storage', storage, '--export', retrained, '--retrain', '--json']);
    assert.equal(again.code, 0, again.err);
    const events = again.out.split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(events.map((e) => e.type), ['best', 'retrain', 'exported']);
    assert.equal(events[2].retrained, true);
    const { model, metadata } = loadModelWithMetadata(retrained);
    assert.equal(metadata.trial, String(best.number));
    assert.deepEqual(JSON.parse(metadata.params), best.params);
    const x = blobs({ classes: 3, perClass: 5, features: 4, seed: 9 }).x;
    const a = model.predict(x);
    const b = loadModel(trialFile).predict(x);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-4, `probability ${i}: retrained ${a[i]}, trial ${b[i]}`);
    assert.ok(Math.abs(events[2].testAccuracy - Number(best.userAttrs.testAccuracy)) < 1e-9);

    // The trial's file gone: a clear message that suggests --retrain, exit 1, and nothing written.
    unlinkSync(trialFile);
    const missing = await run(['best', 'tiny', '--storage', storage, '--export', join(dir, 'gone.safetensors')]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, new RegExp(`caviar best: trial ${best.number}'s model file .* is missing \\(moved or deleted\\?\\); use --retrain`));

    const nope = await run(['best', 'nope', '--storage', storage, '--export', target]);
    assert.equal(nope.code, 2);
    assert.match(nope.err, /no study named 'nope' in .*study\.db/);
    assert.match((await run(['best', 'tiny', '--storage', storage])).err, /^caviar best: needs --export PATH: where to write the model; 'caviar best --help' shows how$/m);
    assert.match((await run(['best', '--help'])).out, /^Usage: caviar best STUDY --export PATH/);

    const empty = await createStudy({ name: 'empty', storage, direction: 'maximize' });
    await empty.close();
    const none = await run(['best', 'empty', '--storage', storage, '--export', target]);
    assert.equal(none.code, 1);
    assert.match(none.err, /study 'empty' in .* has no complete trial yet \(0 trials: 0 pruned, 0 failed, 0 running\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
