import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { createStudy } from '../../src/tune/study.js';
import { TestSampler, ThresholdPruner } from './study-sampler.js';

const fixtures = fileURLToPath(new URL('./fixtures-study/objectives.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'caviar-executor-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('workers: suggests go through the main thread sampler; reports and attrs arrive; results stream', async () => {
  const sampler = new TestSampler(5);
  const study = await createStudy({ sampler });
  const streamed: number[] = [];
  await study.optimize(
    { module: fixtures },
    { nTrials: 8, concurrency: 2, onTrialComplete: (t) => void streamed.push(t.number) },
  );
  const trials = study.trials();
  assert.equal(trials.length, 8);
  assert.ok(trials.every((t) => t.state === 'complete'), JSON.stringify(trials.map((t) => t.systemAttrs.failReason)));
  assert.deepEqual([...streamed].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
  for (const t of trials) {
    const x = t.params.x as number;
    assert.equal(t.value, (x - 2) ** 2 + (t.params.units as number));
    assert.deepEqual([...t.intermediate.keys()], [0, 1, 2]);
    assert.notEqual(t.userAttrs.thread, 0, 'ran in a worker thread, not the main thread');
  }
  assert.equal(sampler.seen.length, 16, 'every suggest (two names per trial) was sampled in the main thread');
  assert.deepEqual(sampler.finished.sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
});

test('workers: concurrency 2 runs two blocking trials at once', async () => {
  const study = await createStudy({ sampler: new TestSampler() });
  await study.optimize({ module: fixtures, exportName: 'slow' }, { nTrials: 4, concurrency: 2 });
  const spans = study.trials().map((t) => t.userAttrs.span as [number, number]);
  // Overlapping spans prove two ran at once; how long it took is bench/tune-concurrency.ts's figure, not a test's.
  const overlaps = spans.some(([a0, a1], i) => spans.some(([b0, b1], j) => i !== j && a0 < b1 && b0 < a1));
  assert.ok(overlaps, `some trials overlap in time: ${JSON.stringify(spans)}`);
  assert.equal(new Set(study.trials().map((t) => t.userAttrs.thread)).size, 2);
  const atOnce = Math.max(...spans.map(([s]) => spans.filter(([b0, b1]) => b0 <= s && s < b1).length));
  assert.equal(atOnce, 2, `never more than two at once: ${JSON.stringify(spans)}`);
});

test('workers: a crashed worker fails its trial with the reason and is replaced', async () => {
  const study = await createStudy({ sampler: new TestSampler() });
  await study.optimize({ module: fixtures, exportName: 'crashOnTrialOne' }, { nTrials: 5, concurrency: 1 });
  const trials = study.trials();
  assert.deepEqual(trials.map((t) => t.state), ['complete', 'failed', 'failed', 'complete', 'complete']);
  assert.match(String(trials[1].systemAttrs.failReason), /exited with code 3/);
  assert.match(String(trials[2].systemAttrs.failReason), /uncaught in the worker/);
  assert.equal(trials[1].systemAttrs.retryable, true);
});

test('workers: pruning, objective errors, non-numbers and conflicts behave as in the main thread', async () => {
  const study = await createStudy({ sampler: new TestSampler(2), pruner: new ThresholdPruner(5) });
  await study.optimize({ module: fixtures, exportName: 'pruneLoud' }, { nTrials: 6, concurrency: 2 });
  for (const t of study.trials()) {
    assert.equal(t.state, t.params.slope === 10 ? 'pruned' : 'complete');
    if (t.state === 'pruned') assert.deepEqual([...t.intermediate.entries()], [[0, 0], [1, 10]]);
  }
  const bad = await createStudy({ sampler: new TestSampler() });
  await bad.optimize({ module: fixtures, exportName: 'misbehaves' }, { nTrials: 6, concurrency: 1 });
  const reasons = bad.trials().map((t) => `${t.state}: ${t.systemAttrs.failReason ?? ''}`);
  assert.match(reasons[0], /failed: the objective threw RangeError: diverged/);
  assert.match(reasons[1], /failed: the objective returned a string/);
  assert.match(reasons[2], /failed: the objective returned NaN/);
  assert.equal(reasons[3], 'complete: ');
  assert.match(reasons[4], /failed: .*DistributionConflictError.*"x"/);
  assert.equal(reasons[5], 'complete: ');
});

test('workers: args reach the objective as its second argument; clear errors for a bad module', async () => {
  const study = await createStudy({ sampler: new TestSampler() });
  await study.optimize({ module: fixtures, exportName: 'withArgs', args: { offset: 100, label: 'exp' } }, { nTrials: 1, concurrency: 1 });
  const [t] = study.trials();
  assert.equal(t.value, (t.params.x as number) + 100);
  assert.equal(t.userAttrs.label, 'exp');
  await study.optimize({ module: fixtures, exportName: 'nope' }, { nTrials: 1 }).then(
    () => assert.fail('expected an error'),
    (e: Error) => assert.match(e.message, /exports no function "nope" \(it exports: .*crashOnTrialOne/),
  );
  await assert.rejects(study.optimize({ module: fixtures, exportName: 'notAFunction' }, { nTrials: 1 }), /no function "notAFunction"/);
  await assert.rejects(study.optimize({ module: join(dir, 'missing.js') }, { nTrials: 1 }), /cannot start a worker for objective module .*missing\.js/);
  await assert.rejects(study.optimize({ module: 'relative/objective.js' }, { nTrials: 1 }), /absolute path/);
  assert.equal(study.trials().length, 1, 'a module that cannot load starts no trial');
  await study.optimize({ module: fixtures }, { nTrials: 1, concurrency: 1 });
  assert.equal(study.trials()[1].state, 'complete');
});

test('workers run from compiled JavaScript too, without tsx', () => {
  // Transpile the tuner (and what it imports) to plain ESM JavaScript, as `npm run build` would.
  const out = join(dir, 'compiled');
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
  for (const file of [...walk(join(root, 'src/tune')), ...walk(join(root, 'src/util'))].filter((f) => f.endsWith('.ts'))) {
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  writeFileSync(
    join(out, 'objective.js'),
    'export function objective(trial) { return (trial.suggestFloat("x", 0, 1) - 0.5) ** 2; }\n',
  );
  writeFileSync(
    join(out, 'main.js'),
    `import { createStudy } from './src/tune/study.js';
     const study = await createStudy({ seed: 1 });
     await study.optimize({ module: new URL('./objective.js', import.meta.url).pathname }, { nTrials: 6, concurrency: 2 });
     console.log(JSON.stringify(study.trials().map((t) => t.state)));`,
  );
  const run = spawnSync(process.execPath, [join(out, 'main.js')], { encoding: 'utf8', execArgv: [] } as never);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), Array(6).fill('complete'));
});
