import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStorage, storageLocation, studyFilePath } from '../../src/tune/storage/open.js';
import { MemoryStorage } from '../../src/tune/storage/memory.js';

const dir = mkdtempSync(join(tmpdir(), 'caviar-open-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('storageLocation: memory, study files and PostgreSQL URLs, each read one way', () => {
  assert.deepEqual(storageLocation(':memory:'), { kind: 'memory' });
  assert.deepEqual(storageLocation('memory'), { kind: 'memory' });
  assert.deepEqual(storageLocation('caviar-out/q/study.db'), { kind: 'sqlite', path: 'caviar-out/q/study.db' });
  assert.deepEqual(storageLocation('sqlite:runs/s.db'), { kind: 'sqlite', path: 'runs/s.db' });
  assert.deepEqual(storageLocation('SQLite:runs/s.db'), { kind: 'sqlite', path: 'runs/s.db' });
  assert.deepEqual(storageLocation('sqlite:///tmp/s.db'), { kind: 'sqlite', path: '/tmp/s.db' });
  assert.deepEqual(storageLocation('sqlite:/tmp/s.db'), { kind: 'sqlite', path: '/tmp/s.db' });
  for (const url of ['postgres://me@db/test', 'postgresql://me@db/test?schema=a', 'POSTGRES://me@db/test', 'postgres:/x', 'postgresql//x']) {
    assert.deepEqual(storageLocation(url), { kind: 'postgres', url }, url);
  }
  assert.equal(studyFilePath('sqlite:a/b.db'), 'a/b.db');
  assert.equal(studyFilePath('postgres://me@db/test'), undefined);
  assert.equal(studyFilePath(':memory:'), undefined);
});

test('storageLocation: an unknown scheme and an empty sqlite: path are errors naming the storage, without its password', () => {
  assert.throws(() => storageLocation('mysql://me:s3cret@db/test'), (e: Error) => /caviar does not know mysql:\/\/ storages/.test(e.message) && !e.message.includes('s3cret') && e.message.includes('me:***@db'));
  assert.throws(() => storageLocation('sqlite:'), /storage "sqlite:" names no file/);
});

test('openStorage: memory for undefined and :memory:, the given Storage not owned, a missing file refused with mustExist', async () => {
  const fresh = await openStorage(undefined);
  assert.ok(fresh.storage instanceof MemoryStorage && fresh.owned);
  assert.ok((await openStorage(':memory:')).storage instanceof MemoryStorage);
  const mine = new MemoryStorage();
  assert.deepEqual(await openStorage(mine), { storage: mine, owned: false });
  const missing = join(dir, 'missing.db');
  await assert.rejects(openStorage(`sqlite:${missing}`, { mustExist: true }), new RegExp(`no study file at ${missing}`));
});

/** Which storage drivers a fresh Node has loaded after importing caviar's index and opening `storage` (if given). */
function loadedDrivers(storage?: string): { exportsSqliteStorage: boolean; betterSqlite3: boolean; pg: boolean } {
  const script = fileURLToPath(new URL('./fixtures-study/loaded-drivers.ts', import.meta.url));
  const out = execFileSync(process.execPath, ['--import', 'tsx', script, ...(storage === undefined ? [] : [storage])], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

test('importing caviar loads neither better-sqlite3 nor pg; opening a study file loads better-sqlite3 (so the check can see it)', () => {
  assert.deepEqual(loadedDrivers(), { exportsSqliteStorage: true, betterSqlite3: false, pg: false });
  assert.deepEqual(loadedDrivers(':memory:'), { exportsSqliteStorage: true, betterSqlite3: false, pg: false });
  assert.deepEqual(loadedDrivers(join(dir, 'loads.db')), { exportsSqliteStorage: true, betterSqlite3: true, pg: false });
});
