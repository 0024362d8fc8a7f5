import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { runCaviar as run } from '../helpers/cli.js';
import { loadStudy } from '../../src/tune/study.js';
import type { FrozenTrial } from '../../src/tune/types.js';


function experiment(dir: string, tune: string[]): string {
  const path = join(dir, 'exp.yaml');
  writeFileSync(path, [
    'name: tiny',
    'data: { source: blobs, classes: 3, perClass: 30, features: 4 }',
    'model: { hidden: [8] }',
    'train: { epochs: 2, batchSize: 16, optimizer: momentum }',
    `output: ${join(dir, 'out')}`,
    'tune:',
    '  sampler: random',
    '  pruner: none',
    ...tune,
  ].join('\n'));
  return path;
}

async function trials(name: string, storage: string): Promise<{ complete: readonly FrozenTrial[]; userAttrs: Record<string, unknown> }> {
  const study = await loadStudy({ name, storage });
  try {
    return { complete: study.trials(['complete']), userAttrs: { ...study.userAttrs } };
  } finally {
    await study.close();
  }
}

test('caviar zoom narrows every range around the top trials, writes a child experiment and a linked child study, and caviar tune runs it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-zoom-'));
  try {
    const path = experiment(dir, [
      '  trials: 6',
      '  space:',
      '    learningRate: { type: float, low: 1e-4, high: 1, scale: log }',
      '    beta: { type: float, low: 0.8, high: 0.999, scale: oneMinusBeta }',
      '    hiddenUnits: { type: int, low: 2, high: 64, scale: log }',
      '    batchSize: [8, 16, 32, 64]',
    ]);
    const tuned = await run(['tune', path]);
    assert.equal(tuned.code, 0, tuned.err);
    const storage = join(dir, 'out', 'study.db');
    const parent = (await trials('tiny', storage)).complete;
    const top = [...parent].sort((a, b) => b.value! - a.value!).slice(0, 3); // 0.5 of 6

    const zoomed = await run(['zoom', 'tiny', '--storage', storage, '--top', '0.5']);
    assert.equal(zoomed.code, 0, zoomed.err);
    const childFile = join(dir, 'out', 'tiny-zoom1.yaml');
    assert.match(zoomed.out, /^Zoomed 'tiny' around its top 3 of 6 complete trials/);
    assert.match(zoomed.out, /\nparameter +scale +parent +child\n/);
    assert.match(zoomed.out, /\nlearningRate +float log +1\.00e-4\.\.1 +/);
    assert.match(zoomed.out, new RegExp(`Continue with: caviar tune ${childFile}$`));

    const text = readFileSync(childFile, 'utf8');
    assert.match(text, /^# caviar zoom: a coarse-to-fine step from study 'tiny' in /);
    assert.match(text, new RegExp(`top 3 of 6 complete trials: ${top.map((t) => t.number).join(', ')}`));
    const child = YAML.parse(text);
    assert.equal(child.name, 'tiny-zoom1');
    assert.equal(child.tune.study, 'tiny-zoom1');
    assert.equal(child.tune.storage, storage);
    assert.equal(child.output, join(dir, 'out', 'tiny-zoom1'), 'the child keeps its trial models apart from the parent\'s');
    const parentSpace = YAML.parse(readFileSync(path, 'utf8')).tune.space;
    for (const key of ['learningRate', 'beta', 'hiddenUnits']) {
      const p = parentSpace[key];
      const c = child.tune.space[key];
      assert.equal(c.scale, p.scale);
      assert.ok(c.low >= p.low && c.high <= p.high, `${key}: child ${c.low}..${c.high} inside parent ${p.low}..${p.high}`);
      for (const t of top) assert.ok(c.low <= (t.params[key] as number) && (t.params[key] as number) <= c.high, `${key}: top trial ${t.number} value ${t.params[key]} in ${c.low}..${c.high}`);
    }
    // The learning-rate hull is taken in log10: the padding is 10% of the parent's range there (4 decades), as coarse-to-fine pads.
    const logs = top.map((t) => Math.log10(t.params.learningRate as number));
    const [lo, hi] = [Math.min(...logs), Math.max(...logs)];
    assert.ok(Math.abs(Math.log10(child.tune.space.learningRate.low) - Math.max(-4, lo - 0.4)) < 0.01);
    assert.ok(Math.abs(Math.log10(child.tune.space.learningRate.high) - Math.min(0, hi + 0.4)) < 0.01);
    assert.deepEqual(child.tune.space.batchSize, [8, 16, 32, 64].filter((b) => top.some((t) => t.params.batchSize === b)));

    const link = (await trials('tiny-zoom1', storage)).userAttrs.parent as { study: string; storage: string; trials: number[] };
    assert.equal(link.study, 'tiny');
    assert.equal(link.storage, storage);
    assert.deepEqual(link.trials, top.map((t) => t.number));

    const continued = await run(['tune', childFile, '--trials', '3']);
    assert.equal(continued.code, 0, continued.err);
    assert.match(continued.out, /Tuning tiny-zoom1: 3 trials \(0 already complete\)/);
    const childTrials = (await trials('tiny-zoom1', storage)).complete;
    assert.equal(childTrials.length, 3);
    for (const t of childTrials) {
      const lr = t.params.learningRate as number;
      assert.ok(lr >= child.tune.space.learningRate.low && lr <= child.tune.space.learningRate.high);
      // In the child's output folder, in the child study's own folder (its name and uid).
      const model = String(t.userAttrs.model);
      assert.match(model, new RegExp(`^${join(dir, 'out', 'tiny-zoom1', 'trials', 'tiny-zoom1-')}[0-9a-f]{8}/trial-${t.number}\\.safetensors$`));
      assert.ok(existsSync(model));
    }
    assert.equal((await trials('tiny', storage)).complete.length, 6, 'the parent study is untouched');

    // Zooming the child gives -zoom2; a name already taken is refused.
    const again = await run(['zoom', 'tiny-zoom1', '--storage', storage, '--json']);
    assert.equal(again.code, 0, again.err);
    assert.equal(JSON.parse(again.out).child, 'tiny-zoom2');
    const taken = await run(['zoom', 'tiny', '--storage', storage, '--name', 'tiny-zoom1']);
    assert.equal(taken.code, 2);
    assert.match(taken.err, /--name: a study named 'tiny-zoom1' already exists in .*study\.db; choose another name/);
    assert.match((await run(['zoom', 'tiny', '--storage', storage, '--top', '2'])).err, /--top: expected a fraction in \(0, 1\], got '2'/);
    assert.match((await run(['zoom', 'nope', '--storage', storage])).err, /no study named 'nope'/);
    assert.match((await run(['zoom', '--help'])).out, /^Usage: caviar zoom STUDY/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('caviar zoom materializes the built-in space and, with --trials, tunes the child at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-zoom-'));
  try {
    const path = experiment(dir, ['  trials: 4']); // no space: the built-in one, learning rate only for 4 trials
    assert.equal((await run(['tune', path])).code, 0);
    const storage = join(dir, 'out', 'study.db');
    const r = await run(['zoom', 'tiny', '--storage', storage, '--name', 'fine', '--trials', '2']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /learningRate +float log +1\.00e-4\.\.1 +/);
    assert.match(r.out, /Tuning fine: 2 trials \(0 already complete\)/);
    const child = YAML.parse(readFileSync(join(dir, 'out', 'fine.yaml'), 'utf8'));
    assert.deepEqual(Object.keys(child.tune.space), ['learningRate']);
    assert.equal((await trials('fine', storage)).complete.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
