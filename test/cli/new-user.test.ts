// Tried as a new user would: each mistake ends with a clear message and a
// non-zero exit before any work, and never damages the study already in the
// output folder.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { encodeIdx } from '../../src/data/idx.js';
import { loadStudy } from '../../src/tune/study.js';

let dir = '';
let out = '';
let studyBytes: Buffer;

async function run(args: string[]) {
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await main(args, (l) => lines.push(l), (l) => errors.push(l));
  return { code, out: lines.join('\n'), err: errors.join('\n') };
}

/** A good experiment with some lines replaced, written to its own file; output is the shared folder. */
function experiment(file: string, change: Record<string, string> = {}): string {
  const lines: Record<string, string> = {
    name: 'name: newuser',
    data: 'data: { source: blobs, classes: 3, perClass: 40, features: 4 }',
    model: 'model: { hidden: [8] }',
    train: 'train: { epochs: 2, batchSize: 16 }',
    output: `output: ${out}`,
    tune: 'tune: { trials: 2, sampler: random, pruner: none }',
    ...change,
  };
  const path = join(dir, file);
  writeFileSync(path, Object.values(lines).join('\n') + '\n');
  return path;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'caviar-newuser-'));
  out = join(dir, 'out');
  const first = await run(['tune', experiment('good.yaml')]);
  assert.equal(first.code, 0, first.err);
  studyBytes = readFileSync(join(out, 'study.db'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `caviar tune` and `caviar train` on the file; both must fail with exit 2 and the message, and leave the study as it was. */
async function failsCleanly(path: string, message: RegExp, commands: string[] = ['tune', 'train']) {
  for (const command of commands) {
    const r = await run([command, path]);
    assert.equal(r.code, 2, `caviar ${command}: ${r.err}`);
    assert.match(r.err, message);
    assert.equal(r.out, '', `caviar ${command} did no work and printed nothing`);
  }
  assert.ok(readFileSync(join(out, 'study.db')).equals(studyBytes), 'the study file is byte for byte the same');
  const study = await loadStudy({ name: 'newuser', storage: join(out, 'study.db') });
  try {
    assert.equal(study.trials(['complete']).length, 2);
    assert.equal(study.trials().length, 2);
  } finally {
    await study.close();
  }
}

test('a misspelled field is named, with its path', async () => {
  const path = experiment('typo.yaml', { train: 'train: { epochs: 2, batchSzie: 16 }' });
  await failsCleanly(path, /typo\.yaml: .*train\.batchSzie: unknown field/s);
});

test('a wrong type names the field and what was expected', async () => {
  const path = experiment('type.yaml', { train: 'train: { epochs: two, batchSize: 16 }' });
  await failsCleanly(path, /type\.yaml: 1 problem:\n  train\.epochs: expected an integer >= 1, got "two"/);
});

test('a missing data file names the path', async () => {
  const images = join(dir, 'no-such-images.idx');
  const path = experiment('missing.yaml', { data: `data: { source: idx, images: ${images}, labels: ${join(dir, 'labels.idx')} }` });
  await failsCleanly(path, new RegExp(`${images.replace(/[.]/g, '\\.')}.*no such file \\(data\\.images in the experiment file\\)`));
});

test('a corrupt (truncated) IDX file names the file and the problem', async () => {
  const images = join(dir, 'images.idx');
  const labels = join(dir, 'labels.idx');
  const whole = encodeIdx({ type: 'uint8', shape: [30, 2, 2], data: Array.from({ length: 120 }, (_, i) => i % 256) });
  writeFileSync(images, whole.subarray(0, whole.length - 7));
  writeFileSync(labels, encodeIdx({ type: 'uint8', shape: [30], data: Array.from({ length: 30 }, (_, i) => i % 3) }));
  const path = experiment('corrupt.yaml', { data: `data: { source: idx, images: ${images}, labels: ${labels} }` });
  await failsCleanly(path, new RegExp(`${images.replace(/[.]/g, '\\.')}: .*(truncated|expected \\d+ bytes|too short)`, 's'));
});

test('a search range with low > high', async () => {
  const path = experiment('range.yaml', { tune: 'tune: { trials: 2, sampler: random, pruner: none, space: { learningRate: { type: float, low: 0.1, high: 0.001, scale: log } } }' });
  await failsCleanly(path, /range\.yaml: .*tune\.space\.learningRate.*low.*high/s, ['tune']);
});

test('a log scale with low <= 0', async () => {
  const path = experiment('log.yaml', { tune: 'tune: { trials: 2, sampler: random, pruner: none, space: { learningRate: { type: float, low: 0, high: 1, scale: log } } }' });
  await failsCleanly(path, /log\.yaml: .*tune\.space\.learningRate\.low: expected a number > 0 for a log scale, got 0/s, ['tune']);
});

test('an unknown sampler name lists the known ones', async () => {
  const path = experiment('sampler.yaml', { tune: 'tune: { trials: 2, sampler: tpee, pruner: none }' });
  await failsCleanly(path, /sampler\.yaml: .*tune\.sampler: unknown sampler 'tpee'.*random/s, ['tune']);
});

test('an unwritable output folder fails before any training, naming the folder', async () => {
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a folder');
  const blocked = join(file, 'out');
  const path = experiment('unwritable.yaml', { output: `output: ${blocked}` });
  for (const command of ['tune', 'train']) {
    const r = await run([command, path]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, new RegExp(`cannot write to the output folder \\(output: in the experiment file\\) ${blocked}: a part of the path is a file, not a folder \\(ENOTDIR\\); nothing was run`));
    assert.doesNotMatch(r.out, /epoch|trial/, 'no training happened');
  }
  const study = await loadStudy({ name: 'newuser', storage: join(out, 'study.db') });
  try {
    assert.equal(study.trials().length, 2);
  } finally {
    await study.close();
  }
  // A folder that cannot be created (Node's own recursive mkdir would spin forever under /proc).
  const proc = await run(['train', experiment('proc.yaml', { output: 'output: /proc/caviar-nope' })]);
  assert.equal(proc.code, 2);
  assert.match(proc.err, /cannot write to the output folder \(output: in the experiment file\) \/proc\/caviar-nope: .*nothing was run/);
  // --out and --storage are checked the same way.
  const good = experiment('good2.yaml');
  const r = await run(['train', good, '--out', join(blocked, 'model.safetensors')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /cannot write to the --out folder .*ENOTDIR/);
  mkdirSync(join(dir, 'ok'), { recursive: true });
  const s = await run(['tune', good, '--storage', join(blocked, 'study.db')]);
  assert.equal(s.code, 2);
  assert.match(s.err, /cannot write to the study folder .*ENOTDIR/);
});
