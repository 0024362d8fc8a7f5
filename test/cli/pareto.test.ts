// A multi-objective experiment through the command line: tune with objectives and a constraint,
// show the front, export a point of it with --pick, --max and --min, and every mistake's message.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCaviar as run } from '../helpers/cli.js';
import { loadStudy } from '../../src/tune/study.js';
import { dominates } from '../../src/tune/multi/pareto.js';
import { readModelHeader } from '../../src/io/model-file.js';

const dir = mkdtempSync(join(tmpdir(), 'caviar-pareto-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function experiment(name: string, tune: string[]): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, [
    `name: ${name}`,
    'seed: 3',
    'data: { source: blobs, classes: 3, perClass: 40, features: 4 }',
    'model: { hidden: [8] }',
    'train: { epochs: 3, batchSize: 16, optimizer: adam, learningRate: 0.02 }',
    `output: ${join(dir, 'out')}`,
    'tune:',
    '  trials: 8',
    '  sampler: random',
    '  space:',
    '    hiddenUnits: { type: int, low: 4, high: 128, scale: log }',
    '    layers: { type: int, low: 1, high: 3 }',
    ...tune,
  ].join('\n'));
  return path;
}

test('tune with two objectives and a constraint: every trial measured, the front shown, a point of it exported', async () => {
  const path = experiment('pareto', ['  objectives: [devAccuracy, paramCount]', "  constraints: ['modelBytes <= 6000']"]);
  const tuned = await run(['tune', path, '--json']);
  assert.equal(tuned.code, 0, tuned.err);
  const storage = join(dir, 'out', 'study.db');
  const study = await loadStudy({ name: 'pareto', storage });
  const complete = study.trials(['complete']);
  assert.deepEqual(study.directions, ['maximize', 'minimize']);
  assert.deepEqual(study.metricNames, ['devAccuracy', 'paramCount']);
  assert.ok(complete.length >= 6, `most trials complete (the dominance pruner may stop some), got ${complete.length}`);
  for (const t of complete) {
    const [acc, params] = t.values!;
    assert.ok(acc >= 0 && acc <= 1);
    assert.equal(params, t.userAttrs.paramCount, 'paramCount is measured and recorded');
    const bytes = t.userAttrs.modelBytes as number;
    assert.ok(bytes > 0 && bytes === readFileBytes(String(t.userAttrs.model)), 'modelBytes is the saved file');
    assert.deepEqual(t.constraints, [bytes - 6000]);
    assert.ok((t.userAttrs.inferenceMs as number | undefined) === undefined, 'latency is not measured when nothing asks for it');
  }
  const front = study.bestTrials;
  for (const t of complete) {
    const feasible = (t.constraints![0]) <= 0;
    const dominated = complete.some((o) => o.constraints![0] <= 0 && dominates(o.values!, t.values!, study.directions));
    assert.equal(front.includes(t), feasible && !dominated, `trial ${t.number}`);
  }
  await study.close();
  const done = JSON.parse(tuned.out.trim().split('\n').at(-1)!);
  assert.deepEqual(done.front.map((f: { number: number }) => f.number).sort(), front.map((t) => t.number).sort());
  assert.ok(done.hypervolume > 0);

  const shown = await run(['show', 'pareto', '--storage', storage]);
  assert.equal(shown.code, 0, shown.err);
  assert.match(shown.out, /maximize devAccuracy, minimize paramCount/);
  assert.match(shown.out, new RegExp(`Pareto front: ${front.length} trials?, hypervolume`));
  assert.match(shown.out, /devAccuracy \(max\)\s+paramCount \(min\)/);

  // Without a choice, best says how to choose; --max picks the most accurate small model.
  const refused = await run(['best', 'pareto', '--storage', storage, '--export', join(dir, 'x.safetensors')]);
  assert.equal(refused.code, 2);
  assert.match(refused.err, /2 objectives \(devAccuracy, paramCount\): choose a trial of its Pareto front with --pick TRIAL/);
  const smallest = Math.min(...front.map((t) => t.values![1]));
  const bound = (front.find((t) => t.values![1] === smallest)!.values![1]);
  const exported = await run(['best', 'pareto', '--storage', storage, '--max', `paramCount=${bound}`, '--export', join(dir, 'small.safetensors'), '--json']);
  assert.equal(exported.code, 0, exported.err);
  const chosen = JSON.parse(exported.out.split('\n')[0]);
  assert.equal(chosen.values[1], smallest);
  assert.equal(readModelHeader(join(dir, 'small.safetensors'))?.trial, String(chosen.number));
  const strict = await run(['best', 'pareto', '--storage', storage, '--max', `paramCount=${smallest - 1}`, '--export', join(dir, 'none.safetensors')]);
  assert.equal(strict.code, 1);
  assert.match(strict.err, /no trial of the front meets paramCount <= /);
  assert.equal(existsSync(join(dir, 'none.safetensors')), false);
  const picked = await run(['best', 'pareto', '--storage', storage, '--pick', String(front[0].number), '--export', join(dir, 'picked.safetensors')]);
  assert.equal(picked.code, 0, picked.err);
  assert.match(picked.out, /on the Pareto front/);
  const wrong = await run(['best', 'pareto', '--storage', storage, '--min', 'accuracy=0.5', '--export', join(dir, 'w.safetensors')]);
  assert.match(wrong.err, /'accuracy' is not an objective of this study; its objectives are devAccuracy, paramCount/);
  const ensemble = await run(['best', 'pareto', '--storage', storage, '--pick', String(front[0].number), '--ensemble', '3', '--export', join(dir, 'e.safetensors')]);
  assert.match(ensemble.err, /--ensemble ranks trials by one value/);

  // Zooming a multi-objective study narrows the space around its Pareto front (and the next front while it has one
  // trial: a hull needs two); the child keeps the objectives.
  const zoomed = await run(['zoom', 'pareto', '--storage', storage, '--json']);
  assert.equal(zoomed.code, 0, zoomed.err);
  const z = JSON.parse(zoomed.out.trim().split('\n').at(-1)!);
  for (const t of front) assert.ok(z.trials.includes(t.number), `front trial ${t.number} is among the zoom's`);
  assert.ok(z.trials.length >= 2);
  const child = await loadStudy({ name: z.child, storage });
  assert.deepEqual(child.directions, ['maximize', 'minimize']);
  await child.close();

  // The same study with other objectives is refused; a single-objective file's study is not touched.
  const changed = experiment('pareto', ['  objectives: [devAccuracy, modelBytes]']);
  const resumed = await run(['tune', changed]);
  assert.equal(resumed.code, 2);
  assert.match(resumed.err, /tune\.objectives/);
});

test('experiment files: objectives and constraints are checked, each mistake named with its field', async () => {
  const bad = experiment('bad', [
    '  metric: devLoss',
    '  objectives: [devAccuracy, latency, devAccuracy]',
    "  constraints: ['modelBytes < 100', 'size <= 3', 'paramCount <= many']",
  ]);
  const r = await run(['tune', bad]);
  assert.equal(r.code, 2);
  assert.match(r.err, /tune\.metric: give tune\.metric or tune\.objectives, not both/);
  assert.match(r.err, /tune\.objectives\[1\]: "latency" is not a measure.*expected one of devAccuracy, devLoss, paramCount, modelBytes, inferenceMs, trainSeconds/);
  assert.match(r.err, /tune\.objectives\[2\]: devAccuracy is already an objective/);
  assert.match(r.err, /tune\.constraints\[0\]: '<' is not a comparison caviar keeps; use <= or >=/);
  assert.match(r.err, /tune\.constraints\[1\]: 'size' is not a measure/);
  assert.match(r.err, /tune\.constraints\[2\]: expected 'MEASURE <= NUMBER'/);
  const pbt = experiment('pbt', ['  objectives: [devAccuracy, inferenceMs]', '  pbt: { population: 2, generations: 2, interval: 1 }']);
  const p = await run(['tune', pbt]);
  assert.match(p.err, /tune\.pbt: population-based training ranks members by one value; with 2 objectives, leave pbt out/);
  const median = experiment('median', ['  objectives: [devAccuracy, inferenceMs]', '  pruner: median']);
  const m = await run(['tune', median]);
  assert.equal(m.code, 2);
  assert.match(m.err, /tune\.pruner: .*2 objectives/);
});

function readFileBytes(path: string): number {
  return statSync(path).size;
}
