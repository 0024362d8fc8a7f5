// Issue 12, points 3 and 4, through the command line. Each study owns its
// trial models: two studies of one experiment in one output folder, and one
// study name in two storages, keep apart files, and `caviar best` exports
// each study's own model and refuses a swapped one. Nothing is overwritten by
// mistake: no command writes over a study file (not even with --force), and
// a file of another kind only with --force.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCaviar as run } from '../helpers/cli.js';
import { loadModelWithMetadata, saveModel } from '../../src/io/model-file.js';
import { decodeModelProto } from '../../src/io/onnx/onnx-proto.js';
import { blobs } from '../../src/data/synthetic.js';
import { loadStudy } from '../../src/tune/study.js';
import type { FrozenTrial } from '../../src/tune/types.js';
import { PG_NOTICE, PG_URL, pgAvailable, sql } from '../helpers/postgres.js';
import { requireOrSkip } from '../helpers/requirements.js';


function experiment(dir: string, file: string, seed: number): string {
  const path = join(dir, file);
  writeFileSync(path, [
    'name: tiny',
    `seed: ${seed}`,
    'data: { source: blobs, classes: 3, perClass: 30, features: 4 }',
    'model: { hidden: [6] }',
    'train: { epochs: 2, batchSize: 16 }',
    `output: ${join(dir, 'out')}`,
    'tune: { trials: 3, sampler: random, pruner: none, space: { learningRate: { type: float, low: 1e-3, high: 0.1, scale: log } } }',
  ].join('\n'));
  return path;
}

async function studyOf(name: string, storage: string): Promise<{ uid: string; best: FrozenTrial; trials: readonly FrozenTrial[] }> {
  const study = await loadStudy({ name, storage });
  try {
    return { uid: String(study.systemAttrs.uid), best: study.bestTrial, trials: study.trials(['complete']) };
  } finally {
    await study.close();
  }
}

test('two studies in one output folder and one study name in two storages keep their own models; best exports its own and refuses a swapped file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-own-files-'));
  try {
    const exp = experiment(dir, 'exp.yaml', 1);
    const db = join(dir, 'out', 'study.db');
    const other = join(dir, 'b.db');
    for (const args of [['tune', exp], ['tune', exp, '--study', 'other'], ['tune', experiment(dir, 'exp2.yaml', 2), '--storage', other]]) {
      const r = await run(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
    }
    const a = await studyOf('tiny', db);
    const b = await studyOf('other', db);
    const c = await studyOf('tiny', other);
    assert.match(a.uid, /^[0-9a-f]{8}$/);
    assert.equal(new Set([a.uid, b.uid, c.uid]).size, 3, 'one uid per study, across storages');
    assert.deepEqual(readdirSync(join(dir, 'out', 'trials')).sort(), [`other-${b.uid}`, `tiny-${a.uid}`, `tiny-${c.uid}`].sort());
    for (const [s, folder] of [[a, `tiny-${a.uid}`], [b, `other-${b.uid}`], [c, `tiny-${c.uid}`]] as const) {
      assert.equal(s.trials.length, 3);
      for (const t of s.trials) {
        assert.equal(t.userAttrs.model, join(dir, 'out', 'trials', folder, `trial-${t.number}.safetensors`));
        const { metadata } = loadModelWithMetadata(String(t.userAttrs.model));
        assert.deepEqual([metadata.study, metadata.studyUid, metadata.trial, JSON.parse(metadata.params)], [folder.replace(/-[0-9a-f]{8}$/, ''), s.uid, String(t.number), t.params]);
      }
    }

    // Each caviar best --single exports its own study's model, byte for byte.
    for (const [name, storage, s] of [['tiny', db, a], ['other', db, b], ['tiny', other, c]] as const) {
      const target = join(dir, 'export', `${name}-${s.uid}.safetensors`);
      const r = await run(['best', name, '--storage', storage, '--single', '--export', target]);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(readFileSync(target), readFileSync(String(s.best.userAttrs.model)));
      const { metadata } = loadModelWithMetadata(target);
      assert.deepEqual([metadata.study, metadata.studyUid, metadata.trial], [name, s.uid, String(s.best.number)]);
    }

    // The ONNX export and caviar predict say where the model came from.
    const exported = join(dir, 'export', `tiny-${a.uid}.safetensors`);
    const onnx = join(dir, 'export', 'tiny.onnx');
    assert.equal((await run(['export', exported, onnx])).code, 0);
    const props = Object.fromEntries(decodeModelProto(readFileSync(onnx)).metadataProps.map((p) => [p.key, p.value]));
    assert.deepEqual([props.study, props.studyUid, props.trial], ['tiny', a.uid, String(a.best.number)]);
    const rows = join(dir, 'rows.csv');
    const ds = blobs({ classes: 3, perClass: 2, features: 4, seed: 5 });
    writeFileSync(rows, ['a,b,c,d', ...Array.from({ length: ds.count }, (_, i) => Array.from(ds.x.subarray(4 * i, 4 * i + 4)).join(','))].join('\n') + '\n');
    const predicted = await run(['predict', exported, rows, '--json']);
    assert.equal(predicted.code, 0, predicted.err);
    assert.deepEqual(JSON.parse(predicted.out.split('\n')[0]), { type: 'model', path: exported, study: 'tiny', studyUid: a.uid, trial: a.best.number, experiment: 'tiny' });
    const text = await run(['predict', exported, rows, '--out', join(dir, 'p.csv')]);
    assert.equal(text.out.split('\n')[0], `Model ${exported}: trial ${a.best.number} of study 'tiny' (uid ${a.uid}), experiment 'tiny'`);

    // The issue: study 'other' writes over study 'tiny''s best trial file. best refuses it (the default ensemble too), naming the file, the study and the trial.
    const bestFile = String(a.best.userAttrs.model);
    const original = readFileSync(bestFile);
    const otherFile = String(b.trials.find((t) => t.number === a.best.number)?.userAttrs.model ?? b.best.userAttrs.model);
    const otherNumber = loadModelWithMetadata(otherFile).metadata.trial;
    copyFileSync(otherFile, bestFile);
    const target = join(dir, 'export', 'swapped.safetensors');
    const swapped = await run(['best', 'tiny', '--storage', db, '--export', target]);
    assert.equal(swapped.code, 1);
    assert.equal(swapped.err.split('\n').length, 1, swapped.err);
    assert.equal(swapped.err, `caviar best: ${bestFile} is not the model of trial ${a.best.number} of study 'tiny': it records study 'other' (uid ${b.uid}), ` +
      `trial ${otherNumber}; this study's uid is ${a.uid}; nothing exported (use --retrain to train trial ${a.best.number}'s parameters again)`);
    assert.equal(existsSync(target), false);

    // A file of an earlier caviar (trial and params, no study): exported when both match the trial, refused otherwise.
    const model = loadModelWithMetadata(bestFile).model;
    saveModel(model, bestFile, { experiment: 'tiny', trial: String(a.best.number), params: JSON.stringify(a.best.params) });
    assert.equal((await run(['best', 'tiny', '--storage', db, '--export', target])).code, 0);
    const wrong = a.trials.find((t) => t.number !== a.best.number)!;
    saveModel(model, bestFile, { experiment: 'tiny', trial: String(a.best.number), params: JSON.stringify(wrong.params) });
    const legacy = await run(['best', 'tiny', '--storage', db, '--export', join(dir, 'export', 'legacy.safetensors')]);
    assert.equal(legacy.code, 1);
    assert.match(legacy.err, new RegExp(`is not the model of trial ${a.best.number} of study 'tiny': it records other parameters \\(learningRate ${wrong.params.learningRate}; the trial has ${a.best.params.learningRate}\\)`));
    assert.equal(existsSync(join(dir, 'export', 'legacy.safetensors')), false);
    writeFileSync(bestFile, original);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no command writes over a study file, an input or a folder; another kind of file only with --force; its own kind is replaced', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-own-files-'));
  try {
    const exp = experiment(dir, 'exp.yaml', 1);
    assert.equal((await run(['tune', exp])).code, 0);
    const db = join(dir, 'out', 'study.db');
    const model = join(dir, 'model.safetensors');
    assert.equal((await run(['best', 'tiny', '--storage', db, '--export', model])).code, 0);
    const onnx = join(dir, 'model.onnx');
    assert.equal((await run(['export', model, onnx])).code, 0);
    const rows = join(dir, 'rows.csv');
    const ds = blobs({ classes: 3, perClass: 2, features: 4, seed: 5 });
    writeFileSync(rows, ['a,b,c,d', ...Array.from({ length: ds.count }, (_, i) => Array.from(ds.x.subarray(4 * i, 4 * i + 4)).join(','))].join('\n') + '\n');
    const copy = join(dir, 'copy.db');
    copyFileSync(db, copy); // a study file by its bytes, whatever its name
    const notes = join(dir, 'notes.txt');
    const folder = join(dir, 'folder');
    mkdirSync(folder);

    const writers: Array<{ name: string; to: (path: string) => string[] }> = [
      { name: 'best', to: (p) => ['best', 'tiny', '--storage', db, '--export', p] },
      { name: 'train', to: (p) => ['train', exp, '--out', p] },
      { name: 'export', to: (p) => ['export', model, p] },
      { name: 'import', to: (p) => ['import', onnx, p] },
      { name: 'predict', to: (p) => ['predict', model, rows, '--out', p] },
    ];
    const refused = async (args: string[], expected: RegExp, file: string) => {
      const before = readFileSync(file);
      const r = await run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}, ${r.err}`);
      assert.equal(r.err.split('\n').length, 1, r.err);
      assert.match(r.err, expected);
      assert.deepEqual(readFileSync(file), before, `${file} is untouched by ${args.join(' ')}`);
    };
    for (const w of writers) {
      for (const study of [db, copy]) {
        const what = study === db && w.name === 'best' ? 'is the study file this command reads' : 'is a caviar study file \\(a SQLite database\\)';
        for (const force of [[], ['--force']]) {
          await refused([...w.to(study), ...force], new RegExp(`^caviar ${w.name}: .*${study.split('/').pop()!.replace('.', '\\.')}: ${what}; caviar never replaces a study, not even with --force; choose another path$`), study);
        }
      }
      writeFileSync(notes, 'my notes: do not lose\n');
      await refused(w.to(notes), new RegExp(`^caviar ${w.name}: .*notes\\.txt: exists and is a text file of 22 bytes, not .*; choose another path, or add --force to replace it$`), notes);
      const forced = await run([...w.to(notes), '--force']);
      assert.equal(forced.code, 0, `${w.name} --force: ${forced.err}`);
      assert.notDeepEqual(readFileSync(notes, 'utf8'), 'my notes: do not lose\n');
      const folderRun = await run([...w.to(folder), '--force']);
      assert.equal(folderRun.code, 2);
      assert.match(folderRun.err, /folder: is a folder; name a file inside it/);
      assert.ok((await run([w.name, '--help'])).out.includes('--force'), `${w.name} --help names --force`);
    }

    // Each command's own input is never its output.
    await refused(['export', model, model, '--force'], /OUT .*model\.safetensors: is this command's input \(MODEL\)/, model);
    await refused(['import', onnx, onnx, '--force'], /OUT .*model\.onnx: is this command's input \(the ONNX file\)/, onnx);
    await refused(['predict', model, rows, '--out', rows, '--force'], /--out .*rows\.csv: is this command's input \(DATA\)/, rows);
    await refused(['train', exp, '--out', exp, '--force'], /--out .*exp\.yaml: is this command's input \(the experiment file\)/, exp);
    const trialFile = String((await studyOf('tiny', db)).best.userAttrs.model);
    await refused(['best', 'tiny', '--storage', db, '--export', trialFile, '--force'], /--export .*trial-\d+\.safetensors: is this command's input \(trial \d+'s model file\)/, trialFile);

    // Its own kind is replaced without --force: a model, an ONNX export, a predictions file.
    assert.equal((await run(['best', 'tiny', '--storage', db, '--export', model])).code, 0);
    assert.equal((await run(['export', model, onnx])).code, 0);
    const predictions = join(dir, 'p.json');
    assert.equal((await run(['predict', model, rows, '--out', predictions, '--format', 'json'])).code, 0);
    const again = await run(['predict', model, rows, '--out', predictions, '--classes']);
    assert.equal(again.code, 0, again.err);
    assert.equal(readFileSync(predictions, 'utf8').split('\n')[0], 'class');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const schema = `caviar_own_files_test_${process.pid}`;
after(async () => {
  if (pgAvailable) await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
});

test('a study on PostgreSQL: trials run by caviar tune and by caviar worker go to one folder, the uid the study records', async (t) => {
  if (!requireOrSkip(t, pgAvailable, PG_NOTICE)) return;
  const dir = mkdtempSync(join(tmpdir(), 'caviar-own-files-'));
  try {
    const storage = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
    const exp = experiment(dir, 'exp.yaml', 1);
    assert.equal((await run(['tune', exp, '--storage', storage, '--trials', '2'])).code, 0);
    const worked = await run(['worker', '--storage', storage, '--study', 'tiny', '--trials', '4']);
    assert.equal(worked.code, 0, worked.err);
    const s = await studyOf('tiny', storage);
    assert.match(s.uid, /^[0-9a-f]{8}$/);
    assert.equal(s.trials.length, 4);
    assert.deepEqual(readdirSync(join(dir, 'out', 'trials')), [`tiny-${s.uid}`]);
    assert.deepEqual(readdirSync(join(dir, 'out', 'trials', `tiny-${s.uid}`)).sort(), s.trials.map((x) => `trial-${x.number}.safetensors`).sort());
    const target = join(dir, 'best.safetensors');
    assert.equal((await run(['best', 'tiny', '--storage', storage, '--export', target])).code, 0);
    assert.equal(loadModelWithMetadata(target).metadata.studyUid, s.uid);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
