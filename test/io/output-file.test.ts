// The output-path rule on its own: what each kind of command may replace,
// what nothing may replace (a study, an input, a folder), and what --force
// allows. Every refusal is one line naming the path, what it is, and the way
// out, and leaves the file as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeModel } from '../../src/io/model-file.js';
import { exportOnnx } from '../../src/io/onnx/export.js';
import { decodeModelProto, encodeModelProto } from '../../src/io/onnx/onnx-proto.js';
import { checkOutputFile, isPredictions, OutputFileError, type OutputRule } from '../../src/io/output-file.js';
import { encodeSafetensors } from '../../src/io/safetensors.js';
import { dense } from '../../src/nn/config.js';
import { Sequential } from '../../src/nn/model.js';
import { SqliteStorage } from '../../src/tune/storage/sqlite.js';

function withDir(body: (dir: string) => Promise<void> | void) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'caviar-output-file-'));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Asserts the rule refuses `path` with a one-line message matching `expected`, and the bytes are untouched. */
function refused(path: string, rule: OutputRule, expected: RegExp): void {
  let before: Buffer | undefined;
  try {
    before = readFileSync(path);
  } catch {
    before = undefined;
  }
  assert.throws(() => checkOutputFile(path, rule), (e: unknown) => {
    assert.ok(e instanceof OutputFileError, String(e));
    assert.equal(e.name, 'OutputFileError');
    assert.equal(e.message.split('\n').length, 1, e.message);
    assert.ok(e.message.startsWith(`${rule.flag} ${path}: `), e.message);
    assert.match(e.message, expected);
    return true;
  });
  if (before) assert.deepEqual(readFileSync(path), before, 'the file is untouched');
}

const model = new Sequential({ inputSize: 2, layers: [dense(3)] }, { seed: 1 });

test('a path that does not exist may be written; a folder never, not even with force', withDir((dir) => {
  assert.equal(checkOutputFile(join(dir, 'new', 'model.safetensors'), { flag: '--out', kind: 'model' }), false);
  refused(dir, { flag: '--out', kind: 'model', force: true }, /: is a folder; name a file inside it, e\.g\. .*\/model\.safetensors$/);
  writeFileSync(join(dir, 'file'), 'x');
  assert.equal(checkOutputFile(join(dir, 'file', 'model.safetensors'), { flag: '--out', kind: 'model' }), false, 'nothing there to replace (the write says why it cannot)');
}));

test('a study file is never replaced: SQLite by its magic bytes, its write-ahead log and companions, and the study the command reads', withDir(async (dir) => {
  const db = join(dir, 'renamed.safetensors'); // the name does not matter, the bytes do
  const storage = await SqliteStorage.open(db);
  await storage.createStudy({ name: 's', direction: 'maximize' });
  for (const kind of ['model', 'onnx', 'predictions', 'zoom experiment'] as const) {
    refused(db, { flag: '--out', kind, force: true }, /: is a caviar study file \(a SQLite database\); caviar never replaces a study, not even with --force; choose another path$/);
  }
  await storage.close();
  // (Written after closing: SQLite maps the -shm file of an open database into memory.)
  writeFileSync(`${db}-shm`, Buffer.alloc(64));
  refused(`${db}-shm`, { flag: '--out', kind: 'model', force: true }, new RegExp(`is part of the SQLite study file .*renamed\\.safetensors \\(its -shm file\\); caviar never replaces a study`));
  const wal = join(dir, 'log.bin');
  writeFileSync(wal, Buffer.from([0x37, 0x7f, 0x06, 0x82, 0, 0, 0, 0]));
  refused(wal, { flag: '--out', kind: 'model', force: true }, /is the write-ahead log of a SQLite study file; caviar never replaces a study/);
  // The study the command reads, even before SQLite has written its first page.
  const empty = join(dir, 'study.db');
  writeFileSync(empty, '');
  refused(empty, { flag: '--export', kind: 'model', force: true, studies: [empty] }, /: is the study file this command reads; caviar never replaces a study, not even with --force/);
  assert.equal(checkOutputFile(join(dir, 'x.safetensors'), { flag: '--export', kind: 'model', studies: [undefined] }), false);
}));

test("the command's own input is never its output, through a link too, not even with force", withDir((dir) => {
  const input = join(dir, 'model.safetensors');
  writeFileSync(input, encodeModel(model));
  refused(input, { flag: 'OUT', kind: 'model', force: true, inputs: [{ path: input, what: 'the ONNX file' }] },
    /: is this command's input \(the ONNX file\); a command never writes over what it reads; choose another path$/);
  const hard = join(dir, 'hard.safetensors');
  linkSync(input, hard);
  refused(hard, { flag: 'OUT', kind: 'model', force: true, inputs: [{ path: input, what: 'MODEL' }] }, /is this command's input \(MODEL\)/);
  const soft = join(dir, 'soft.safetensors');
  symlinkSync(input, soft);
  refused(soft, { flag: 'OUT', kind: 'model', force: true, inputs: [{ path: input, what: 'MODEL' }] }, /is this command's input \(MODEL\)/);
}));

test('a file of the kind the command writes may be replaced; any other only with force', withDir((dir) => {
  const file = (name: string, bytes: string | Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const caviarModel = file('a.safetensors', encodeModel(model, { study: 's', trial: '1' }));
  const foreignSafetensors = file('b.safetensors', encodeSafetensors({ w: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } }));
  const onnx = file('a.onnx', exportOnnx(model));
  const foreign = decodeModelProto(exportOnnx(model));
  foreign.producerName = 'pytorch';
  foreign.metadataProps = [];
  const foreignOnnx = file('b.onnx', encodeModelProto(foreign));
  const notes = file('notes.txt', 'my notes: do not lose\n');
  const data = file('data.csv', 'a,b,label\n0.5,2,1\n0.1,0.3,0\n');
  const empty = file('empty', '');
  const zoomed = file('child.yaml', "# caviar zoom: a coarse-to-fine step from study 'q'\nname: q-zoom1\n");

  const may = (path: string, kind: OutputRule['kind']) => assert.equal(checkOutputFile(path, { flag: '--out', kind }), true, `${path} as ${kind}`);
  may(caviarModel, 'model');
  may(onnx, 'onnx');
  may(zoomed, 'zoom experiment');

  refused(foreignSafetensors, { flag: '--out', kind: 'model' }, /: exists and is a safetensors file caviar did not write, not a caviar model file; choose another path, or add --force to replace it$/);
  refused(notes, { flag: '--export', kind: 'model' }, /: exists and is a text file of 22 bytes, not a caviar model file; choose another path, or add --force to replace it$/);
  refused(empty, { flag: '--out', kind: 'model' }, /exists and is an empty file, not a caviar model file/);
  refused(caviarModel, { flag: 'OUT', kind: 'onnx' }, /exists and is a caviar model file, not an ONNX file caviar exported/);
  refused(foreignOnnx, { flag: 'OUT', kind: 'onnx' }, /exists and is a binary file of \d+ bytes, not an ONNX file caviar exported/);
  refused(onnx, { flag: 'OUT', kind: 'model' }, /exists and is an ONNX file caviar exported, not a caviar model file/);
  refused(data, { flag: '--out', kind: 'predictions' }, /exists and is a text file of \d+ bytes, not a predictions file caviar predict wrote/);
  refused(notes, { flag: 'the child experiment (--name CHILD)', kind: 'zoom experiment' }, /not a child experiment caviar zoom wrote/);
  for (const path of [foreignSafetensors, notes, empty, foreignOnnx, data]) {
    assert.equal(checkOutputFile(path, { flag: '--out', kind: 'model', force: true }), true, `--force replaces ${path}`);
  }
}));

test('predictions are recognised in every form caviar predict writes, and data files are not', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  assert.equal(isPredictions(bytes('class_0,class_1,class_2\n0.25,0.5,0.25\n0.000100000005,0.999899983,0\n')), true);
  assert.equal(isPredictions(bytes('"setosa, wild",versicolor\n0.5,0.5\n')), true, 'quoted class names');
  assert.equal(isPredictions(bytes('class\nsetosa\n"a, b"\n2\n')), true);
  assert.equal(isPredictions(bytes('{"row":0,"probabilities":[0.25,0.75]}\n{"row":1,"probabilities":[1,0]}\n')), true);
  assert.equal(isPredictions(bytes('{"row":0,"class":"setosa"}\n{"row":1,"class":2}\n')), true);

  assert.equal(isPredictions(bytes('a,b\n0.5,0.4\n')), false, 'rows that do not sum to 1');
  assert.equal(isPredictions(bytes('a,b,label\n0.2,0.3,0.5\n0.1,0.1,3\n')), false, 'a value above 1');
  assert.equal(isPredictions(bytes('{"row":0,"class":"a"}\n{"row":2,"class":"b"}\n')), false, 'rows out of order');
  assert.equal(isPredictions(bytes('{"row":0,"class":"a","note":1}\n')), false, 'another key');
  assert.equal(isPredictions(bytes('class\na,b\n')), false, 'two columns under class');
  assert.equal(isPredictions(bytes('class_0,class_1\n')), false, 'a header alone');
  assert.equal(isPredictions(bytes('')), false);
});

test('a folder named like a file, and a missing parent, are told apart', withDir((dir) => {
  mkdirSync(join(dir, 'model.onnx'));
  refused(join(dir, 'model.onnx'), { flag: 'OUT', kind: 'onnx', force: true }, /: is a folder; name a file inside it, e\.g\. .*model\.onnx\/model\.onnx$/);
  assert.equal(checkOutputFile(join(dir, 'missing', 'deeper', 'p.csv'), { flag: '--out', kind: 'predictions' }), false);
}));
