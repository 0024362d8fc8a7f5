// caviar best --ensemble and --refit on a tuned study: the ensemble file is
// the mean of the chosen trials' models, caviar predict and caviar export read
// it, and the refit trains on train + dev for the best epoch count. Without a
// flag caviar best exports the greedy ensemble, or the best trial's own file
// where none can be chosen.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCaviar as run } from '../helpers/cli.js';
import { loadSplits } from '../../src/experiment/data.js';
import { blobs } from '../../src/data/synthetic.js';
import { parseExperiment } from '../../src/experiment/spec.js';
import { loadModel, loadModelWithMetadata, loadSavedModel } from '../../src/io/model-file.js';
import { Ensemble } from '../../src/nn/ensemble.js';
import { rankTrials } from '../../src/tune/rank.js';
import { loadStudy } from '../../src/tune/study.js';
import type { FrozenTrial } from '../../src/tune/types.js';

const dir = mkdtempSync(join(tmpdir(), 'caviar-best-ensemble-'));
const storage = join(dir, 'out', 'study.db');
let ranked: FrozenTrial[];
const raw = {
  name: 'ens', seed: 2, data: { source: 'spirals', classes: 3, perClass: 80, noise: 0.3 },
  model: { hidden: [16] }, train: { epochs: 8, batchSize: 16 }, output: join(dir, 'out'),
  tune: { trials: 6, sampler: 'random', pruner: 'none', space: { learningRate: { type: 'float', low: 0.003, high: 0.1, scale: 'log' } } },
};

before(async () => {
  const file = join(dir, 'ens.json');
  writeFileSync(file, JSON.stringify(raw));
  const r = await run(['tune', file]);
  assert.equal(r.code, 0, r.err);
  const study = await loadStudy({ name: 'ens', storage });
  ranked = rankTrials(study.trials(), study.direction);
  await study.close();
});
after(() => rmSync(dir, { recursive: true, force: true }));

const events = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; [key: string]: unknown });

test('--ensemble K saves the equal-weight mean of the top K trials\' models, with dev and test accuracy beside the best trial\'s', async () => {
  const target = join(dir, 'top3.safetensors');
  const r = await run(['best', 'ens', '--storage', storage, '--ensemble', '3', '--export', target, '--json']);
  assert.equal(r.code, 0, r.err);
  const ev = events(r.out);
  assert.deepEqual(ev.map((e) => e.type), ['best', 'ensemble']);
  const e = ev[1] as unknown as { members: { trial: number; weight: number }[]; testAccuracy: number; devAccuracy: number; best: { trial: number; devAccuracy: number; testAccuracy: number } };
  assert.deepEqual(e.members.map((m) => m.trial), ranked.slice(0, 3).map((t) => t.number));
  for (const m of e.members) assert.ok(Math.abs(m.weight - 1 / 3) < 1e-12);
  assert.equal(e.best.trial, ranked[0].number);
  assert.equal(e.best.devAccuracy, ranked[0].value, 'the best trial\'s dev accuracy is its value');
  assert.ok(Math.abs(e.best.testAccuracy - Number(ranked[0].userAttrs.testAccuracy)) < 1e-12);

  const { model, metadata } = loadSavedModel(target);
  assert.ok(model instanceof Ensemble);
  assert.equal(metadata.trials, JSON.stringify(e.members.map((m) => m.trial)));
  const exp = parseExperiment(raw, 'ens.json');
  const splits = loadSplits(exp.data, exp.seed);
  const members = ranked.slice(0, 3).map((t) => loadModel(String(t.userAttrs.model)).predict(splits.test.x));
  const mixed = model.predict(splits.test.x);
  for (let i = 0; i < mixed.length; i++) assert.ok(Math.abs(mixed[i] - (members[0][i] + members[1][i] + members[2][i]) / 3) < 1e-6);
  assert.equal(model.evaluate(splits.test.x, splits.test.y).accuracy, e.testAccuracy);
  assert.equal(model.evaluate(splits.dev.x, splits.dev.y).accuracy, e.devAccuracy);

  // caviar predict reads it as it is, and caviar export writes it as one ONNX graph.
  const csv = join(dir, 'points.csv');
  writeFileSync(csv, 'x1,x2\n0.1,0.2\n-0.5,0.4\n');
  const predicted = await run(['predict', target, csv, '--json']);
  assert.equal(predicted.code, 0, predicted.err);
  const rows = events(predicted.out).filter((x) => x.type === 'prediction');
  assert.equal(rows.length, 2);
  const exported = await run(['export', target, join(dir, 'top3.onnx')]);
  assert.equal(exported.code, 0, exported.err);
  assert.match(exported.out, /exported to .*top3\.onnx: ONNX opset 13/);
});

test('--ensemble auto chooses members on dev: never worse on dev than the best trial, weights summing to 1', async () => {
  const target = join(dir, 'auto.safetensors');
  const r = await run(['best', 'ens', '--storage', storage, '--ensemble', 'auto', '--library', '5', '--export', target]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Ensemble of \d+ trials? \(greedy selection on dev among the best 5\):$/m);
  assert.match(r.out, /^  best trial \d+ +\d+\.\d\d% +\d+\.\d\d%$/m);
  const json = await run(['best', 'ens', '--storage', storage, '--ensemble', 'auto', '--library', '5', '--export', target, '--json']);
  const e = events(json.out)[1] as unknown as { members: { trial: number; weight: number }[]; devAccuracy: number; best: { devAccuracy: number } };
  assert.ok(e.devAccuracy >= e.best.devAccuracy, `${e.devAccuracy} >= ${e.best.devAccuracy}`);
  assert.ok(Math.abs(e.members.reduce((s, m) => s + m.weight, 0) - 1) < 1e-12);
  const top5 = new Set(ranked.slice(0, 5).map((t) => t.number));
  assert.ok(e.members.every((m) => top5.has(m.trial)));
});

test('--refit trains the best parameters on train + dev for the best trial\'s best epoch, and reports test accuracy', async () => {
  const target = join(dir, 'refit.safetensors');
  const r = await run(['best', 'ens', '--storage', storage, '--refit', '--export', target, '--json']);
  assert.equal(r.code, 0, r.err);
  const ev = events(r.out);
  assert.deepEqual(ev.map((e) => e.type), ['best', 'refit', 'exported']);
  const exp = parseExperiment(raw, 'ens.json');
  const splits = loadSplits(exp.data, exp.seed);
  assert.equal(ev[1].epochs, ranked[0].userAttrs.bestEpoch);
  assert.equal(ev[1].examples, splits.train.count + splits.dev.count);
  const { model, metadata } = loadModelWithMetadata(target);
  assert.equal(metadata.refit, 'true');
  assert.equal(metadata.trial, String(ranked[0].number));
  assert.equal(model.evaluate(splits.test.x, splits.test.y).accuracy, ev[2].testAccuracy);
});

test('--ensemble and --refit refuse what cannot be done, in one line', async () => {
  const target = join(dir, 'x.safetensors');
  const many = await run(['best', 'ens', '--storage', storage, '--ensemble', '50', '--export', target]);
  assert.equal(many.code, 1);
  assert.match(many.err, /--ensemble 50: study 'ens' has 6 complete trials; ask for at most that many/);
  const both = await run(['best', 'ens', '--storage', storage, '--ensemble', '2', '--refit', '--export', target]);
  assert.equal(both.code, 2);
  assert.match(both.err, /--refit and --ensemble do not go together: pick one/);
  const one = await run(['best', 'ens', '--storage', storage, '--ensemble', '1', '--export', target]);
  assert.equal(one.code, 2);
  assert.match(one.err, /--ensemble: expected an integer ≥ 2, got '1'/);
  const lib = await run(['best', 'ens', '--storage', storage, '--ensemble', '3', '--library', '4', '--export', target]);
  assert.equal(lib.code, 2);
  assert.match(lib.err, /--library goes with --ensemble auto/);
});

test('without a flag caviar best exports the greedy ensemble (the file --ensemble auto saves), its size beside the best trial\'s', async () => {
  const auto = join(dir, 'auto-default.safetensors');
  const byFlag = await run(['best', 'ens', '--storage', storage, '--ensemble', 'auto', '--export', auto, '--json']);
  assert.equal(byFlag.code, 0, byFlag.err);
  const chosen = events(byFlag.out)[1] as unknown as { members: { trial: number }[]; bytes: number; best: { trial: number; bytes: number } };
  const target = join(dir, 'default.safetensors');
  const r = await run(['best', 'ens', '--storage', storage, '--export', target, '--json']);
  assert.equal(r.code, 0, r.err);
  const ev = events(r.out);
  if (chosen.members.length === 1 && chosen.members[0].trial === ranked[0].number) {
    // Selection kept the best trial alone: then its own file, not an ensemble of one.
    assert.deepEqual(ev.map((e) => e.type), ['best', 'alone', 'exported']);
    assert.deepEqual(readFileSync(target), readFileSync(String(ranked[0].userAttrs.model)));
  } else {
    assert.deepEqual(ev.map((e) => e.type), ['best', 'ensemble']);
    assert.deepEqual(readFileSync(target), readFileSync(auto), 'the same members, weights and metadata');
    assert.ok(loadSavedModel(target).model instanceof Ensemble);
    assert.equal(chosen.bytes, readFileSync(target).length);
    assert.equal(chosen.best.bytes, readFileSync(String(ranked[0].userAttrs.model)).length);
    assert.ok(chosen.bytes > chosen.best.bytes * (chosen.members.length - 0.5), `${chosen.members.length} members: ${chosen.bytes} bytes against ${chosen.best.bytes}`);
    const text = await run(['best', 'ens', '--storage', storage, '--export', target]);
    assert.match(text.out, /^  saved to .*default\.safetensors \(\d+ kB; the best trial alone is \d+ kB: caviar best ens --single\)$/m);
  }
  // --single is the best trial's file, byte for byte; --library goes with the ensemble only.
  const single = join(dir, 'single.safetensors');
  const one = await run(['best', 'ens', '--storage', storage, '--single', '--export', single, '--json']);
  assert.equal(one.code, 0, one.err);
  assert.deepEqual(events(one.out).map((e) => e.type), ['best', 'exported']);
  assert.deepEqual(readFileSync(single), readFileSync(String(ranked[0].userAttrs.model)));
  const bad = await run(['best', 'ens', '--storage', storage, '--single', '--library', '3', '--export', single]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--library goes with --ensemble auto or the default ensemble, not with a single trial or --ensemble K/);
  assert.match((await run(['best', 'ens', '--storage', storage, '--single', '--ensemble', '2', '--export', single])).err, /--single and --ensemble do not go together: pick one/);
});

test('where its data cannot be read, the default export is the best trial\'s own file and says why; --ensemble auto is an error', async () => {
  const own = mkdtempSync(join(tmpdir(), 'caviar-best-alone-'));
  try {
    const data = join(own, 'points.csv');
    const ds = blobs({ classes: 3, perClass: 30, features: 2, seed: 4 });
    writeFileSync(data, ['a,b,label', ...Array.from({ length: ds.count }, (_, i) => `${ds.x[2 * i]},${ds.x[2 * i + 1]},${ds.y[i]}`)].join('\n') + '\n');
    const file = join(own, 'csv.json');
    writeFileSync(file, JSON.stringify({
      name: 'csv', seed: 1, data: { source: 'csv', path: data, label: 'label' }, model: { hidden: [8] }, train: { epochs: 3, batchSize: 16 }, output: join(own, 'out'),
      tune: { trials: 3, sampler: 'random', pruner: 'none', space: { learningRate: { type: 'float', low: 0.003, high: 0.1, scale: 'log' } } },
    }));
    assert.equal((await run(['tune', file])).code, 0);
    const db = join(own, 'out', 'study.db');
    const study = await loadStudy({ name: 'csv', storage: db });
    const best = study.bestTrial;
    await study.close();
    unlinkSync(data);
    const target = join(own, 'best.safetensors');
    const r = await run(['best', 'csv', '--storage', db, '--export', target]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^  The best trial alone: the experiment's data could not be read to choose an ensemble \(.*points\.csv.*\)$/m);
    assert.deepEqual(readFileSync(target), readFileSync(String(best.userAttrs.model)));
    const explicit = await run(['best', 'csv', '--storage', db, '--ensemble', 'auto', '--export', join(own, 'e.safetensors')]);
    assert.equal(explicit.code, 2);
    assert.match(explicit.err, /^caviar best: .*points\.csv: no such file \(data\.path in the experiment file\)$/m);
  } finally {
    rmSync(own, { recursive: true, force: true });
  }
});
