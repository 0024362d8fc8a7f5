import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsv, readCsv } from '../../src/data/csv.js';
import { DataError } from '../../src/data/errors.js';

test('string labels become sorted classes; quotes, commas, doubled quotes and CRLF are read', () => {
  const text =
    'id,"width, cm",height,"the ""kind"""\r\n' +
    '"7",1.5,-2,"b, maybe"\r\n' +
    '8,"0.25",3e2,a\r\n' +
    '9,.5,+4,"b, maybe"\r\n' +
    '\r\n\r\n';
  const ds = readCsv(text, { labelColumn: 'the "kind"' });
  assert.equal(ds.count, 3);
  assert.equal(ds.features, 3);
  assert.deepEqual(ds.featureNames, ['id', 'width, cm', 'height']);
  assert.deepEqual(ds.classNames, ['a', 'b, maybe']);
  assert.equal(ds.classes, 2);
  assert.deepEqual(Array.from(ds.y), [1, 0, 1]);
  assert.deepEqual(Array.from(ds.x), [7, 1.5, -2, 8, 0.25, 300, 9, 0.5, 4]);
});

test('integer labels are class indices; ignoreColumns drops a column', () => {
  const ds = parseCsv('id,x,label\n10,1,2\n11,2,0\n', { labelColumn: 'label', ignoreColumns: ['id'] });
  assert.deepEqual(ds.featureNames, ['x']);
  assert.deepEqual(Array.from(ds.y), [2, 0]);
  assert.equal(ds.classes, 3);
  assert.equal(ds.classNames, undefined);
  assert.equal(parseCsv('x,label\n1,2\n', { labelColumn: 'label', classes: 5 }).classes, 5);
  const named = parseCsv('x,label\n1,10\n2,9\n', { labelColumn: 'label', labels: 'string' });
  assert.deepEqual(named.classNames, ['10', '9']);
  assert.deepEqual(Array.from(named.y), [0, 1]);
});

test('a quoted field may span lines, and line numbers still count physical lines', () => {
  const text = 'note,x,y\n"two\nlines",1,0\n"ok",zz,1\n';
  assert.throws(
    () => parseCsv(text, { labelColumn: 'y', ignoreColumns: ['note'], source: 'notes.csv' }),
    (e: unknown) => e instanceof DataError && e.message === 'notes.csv: line 4, column "x": "zz" is not a number',
  );
});

test('bad cells name the file, the line and the column', () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-csv-'));
  try {
    const path = join(dir, 'iris.csv');
    writeFileSync(path, 'sepal,petal,species\n1,2,a\n3,4,b\n5,abc,a\n');
    assert.throws(() => readCsv(path, { labelColumn: 'species' }), (e: unknown) =>
      e instanceof DataError && e.message === `${path}: line 4, column "petal": "abc" is not a number`);
    writeFileSync(path, 'sepal,petal,species\n1,2,a\n3,,b\n');
    assert.throws(() => readCsv(path, { labelColumn: 'species' }), (e: unknown) =>
      e instanceof Error && e.message === `${path}: line 3, column "petal": the cell is empty; expected a number`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const bad = (text: string, message: string, options = {}) =>
    assert.throws(() => parseCsv(text, { labelColumn: 'y', source: 's.csv', ...options }), (e: unknown) =>
      e instanceof DataError && e.message === message);
  bad('a,b\n1,2\n', 's.csv: label column "y" not found; available columns: "a", "b"');
  bad('a,y\n0x10,1\n', 's.csv: line 2, column "a": "0x10" is not a number');
  bad('a,y\nInfinity,1\n', 's.csv: line 2, column "a": "Infinity" is not a number');
  bad('a,y\n1e39,1\n', 's.csv: line 2, column "a": "1e39" is too large for float32');
  bad('a,y\n1,1\n2\n', 's.csv: line 3: expected 2 fields (as in the header) but found 1');
  bad('a,y\n"1,1\n', 's.csv: line 2: quoted field is never closed');
  bad('a,y\n"1"x,1\n', 's.csv: line 2: unexpected "x" after a closing quote; expected "," or end of line');
  bad('a,y\n1,\n', 's.csv: line 2, column "y": the label is empty');
  bad('a,y\n1,-1\n', 's.csv: line 2, column "y": label "-1" is not a class index (an integer >= 0)');
  bad('a,y\n1,3\n', 's.csv: line 2, column "y": label 3 is out of range; classes is 2 (0..1)', { classes: 2 });
  bad('a,a,y\n1,1,1\n', 's.csv: line 1: column name "a" appears twice in the header');
  bad('a,y\n', 's.csv: has a header but no data rows');
  bad('', 's.csv: is empty; expected a header row');
});

test('a byte order mark, a semicolon delimiter and blank lines between rows are handled', () => {
  const ds = parseCsv('\ufeffa;y\n1.5;1\n\n  \n2;0', { labelColumn: 'y', delimiter: ';' });
  assert.deepEqual(ds.featureNames, ['a']);
  assert.deepEqual(Array.from(ds.x), [1.5, 2]);
  assert.deepEqual(Array.from(ds.y), [1, 0]);
  // caviar does not guess decimal commas: "1,5" is not a number.
  assert.throws(() => parseCsv('a;y\n1,5;1\n', { labelColumn: 'y', delimiter: ';' }), /line 2, column "a": "1,5" is not a number/);
});
