import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomically } from '../../src/util/atomic-write.js';

test('writeFileAtomically creates the folder, replaces a file whole, and leaves no temporary file on failure', () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-atomic-'));
  try {
    const path = join(dir, 'a', 'b.txt');
    writeFileAtomically(path, 'first');
    writeFileAtomically(path, new Uint8Array([115, 101, 99, 111, 110, 100]));
    assert.equal(readFileSync(path, 'utf8'), 'second');
    assert.deepEqual(readdirSync(join(dir, 'a')), ['b.txt']);
    // A folder where the file should go: the rename fails, the old content and the folder stay clean.
    mkdirSync(join(dir, 'c', 'd.txt'), { recursive: true });
    writeFileSync(join(dir, 'c', 'd.txt', 'keep'), 'x');
    assert.throws(() => writeFileAtomically(join(dir, 'c', 'd.txt'), 'new'));
    assert.deepEqual(readdirSync(join(dir, 'c')), ['d.txt']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
