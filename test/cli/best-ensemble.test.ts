// caviar best --ensemble and --refit on a tuned study: the ensemble file is
// the mean of the chosen trials' models, caviar predict and caviar export read
// it, and the refit trains on train + dev for the best epoch count.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCaviar as run } from '../helpers/cli.js';
import { loadSplits } from '../../src/experiment/data.js';
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
