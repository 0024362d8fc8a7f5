import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SchemaVersionError, StorageError, StudyFileError } from '../../src/tune/storage/errors.js';
import { SqliteStorage } from '../../src/tune/storage/sqlite.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/tune/storage/sqlite-schema.js';
import { checkMigratedFromV2, storageSuite } from './storage-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'caviar-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

storageSuite('sqlite', {
  open: (options = {}) => SqliteStorage.open(join(dir, `suite-${files++}.db`), options),
  reopen: (storage, options = {}) => SqliteStorage.open((storage as SqliteStorage).path, options),
  cleanup: async () => {},
});

test('sqlite: a reopened file has every study and trial', async () => {
  const path = join(dir, 'reopen.db');
  const a = await SqliteStorage.open(path);
  const st = await a.createStudy({ name: 's', direction: 'maximize', data: { experiment: 'mlp.yaml' } });
  const t = (await a.claimTrial(st.id))!;
  await a.updateTrial(t.id, { intermediate: [[0, 0.5]], finish: { state: 'complete', value: 0.75 } });
  await a.close();
  const b = await SqliteStorage.open(path);
  const again = (await b.getStudy('s'))!;
  assert.deepEqual(again.data, { experiment: 'mlp.yaml' });
  const { trials } = await b.trialsSince(again.id, 0);
  assert.deepEqual(trials.map((x) => [x.number, x.state, x.value, x.intermediate.get(0)]), [[0, 'complete', 0.75, 0.5]]);
  await b.close();
});

test('sqlite: a version-1 file (made by the first migration alone) is migrated to the current version, its trials kept', async () => {
  const path = join(dir, 'v1.db');
  const raw = new Database(path);
  raw.pragma('journal_mode = WAL');
  raw.exec(MIGRATIONS[0].sql);
  raw.exec(`INSERT INTO schema_version (version) VALUES (1);
    INSERT INTO studies (name, direction, user_attrs, system_attrs, data, created_at, version) VALUES ('old', 'minimize', '{}', '{}', 'null', 1, 1);
    INSERT INTO trials (study_id, number, state, value, params, distributions, user_attrs, system_attrs, started_at, completed_at, version)
      VALUES (1, 0, 'complete', 0.5, '{"lr":0.1}', '{}', '{}', '{}', 1, 2, 1);`);
  raw.close();
  assert.equal(MIGRATIONS[0].version, 1);
  assert.ok(SCHEMA_VERSION >= 2);

  const s = await SqliteStorage.open(path);
  const st = (await s.getStudy('old'))!;
  const { trials } = await s.trialsSince(st.id, 0);
  assert.deepEqual(trials.map((t) => [t.number, t.state, t.value, t.params]), [[0, 'complete', 0.5, { lr: 0.1 }]]);
  const t = (await s.claimTrial(st.id))!;
  const c = await s.sendCommand(t.id, { kind: 'pause' });
  assert.deepEqual((await s.takeCommands(t.id)).map((x) => x.id), [c.id]);
  const cp = await s.saveCheckpoint(trials[0].id, { step: 1, kind: 'manual', data: Uint8Array.of(9) });
  assert.deepEqual(Array.from((await s.loadCheckpoint(cp.id)).data), [9]);
  await s.close();
  const check = new Database(path, { readonly: true });
  assert.deepEqual(check.prepare('SELECT version FROM schema_version').all(), [{ version: SCHEMA_VERSION }]);
  check.close();
});

test('sqlite: a schema from a newer caviar is a clear error; a foreign database too', async () => {
  const path = join(dir, 'future.db');
  (await SqliteStorage.open(path)).close();
  const raw = new Database(path);
  raw.prepare('UPDATE schema_version SET version = 99').run();
  raw.close();
  await assert.rejects(SqliteStorage.open(path), (e: Error) => e instanceof SchemaVersionError && /99/.test(e.message) && /upgrade caviar/.test(e.message));

  const foreign = join(dir, 'foreign.db');
  const other = new Database(foreign);
  other.exec('CREATE TABLE stuff (x)');
  other.close();
  await assert.rejects(SqliteStorage.open(foreign), /not a caviar study file/);

  const text = join(dir, 'text.db');
  writeFileSync(text, 'this is not a database at all, just some text that is long enough to have a header');
  await assert.rejects(SqliteStorage.open(text), (e: Error) => e instanceof StorageError && e.message.includes(text));
});

test('sqlite: four processes writing one study at once see no lock error and no duplicate number', async () => {
  const path = join(dir, 'shared.db');
  const s = await SqliteStorage.open(path);
  const st = await s.createStudy({ name: 'shared', direction: 'minimize' });
  const perProcess = 40;
  const script = new URL('./fixtures-study/storage-writer.ts', import.meta.url).pathname;
  const runs = Array.from({ length: 4 }, () =>
    new Promise<number[]>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, path, 'shared', String(perProcess)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`writer exited ${code}: ${err}`))));
    }),
  );
  const numbers = (await Promise.all(runs)).flat().sort((a, b) => a - b);
  assert.deepEqual(numbers, Array.from({ length: 4 * perProcess }, (_, i) => i));
  const { trials } = await s.trialsSince(st.id, 0);
  assert.equal(trials.filter((t) => t.state === 'complete').length, 4 * perProcess);
  await s.close();
});

test('sqlite: a version-2 file is migrated to the current version in place: trials, commands and checkpoints kept, keys work', async () => {
  const path = join(dir, 'v2.db');
  const raw = new Database(path);
  raw.pragma('journal_mode = WAL');
  for (const m of MIGRATIONS.filter((x) => x.version <= 2)) raw.exec(m.sql);
  raw.exec(`INSERT INTO schema_version (version) VALUES (2);
    INSERT INTO studies (name, direction, user_attrs, system_attrs, data, created_at, version) VALUES ('v2', 'minimize', '{}', '{}', 'null', 1, 3);
    INSERT INTO trials (study_id, number, state, value, params, distributions, user_attrs, system_attrs, started_at, completed_at, heartbeat_at, version)
      VALUES (1, 0, 'complete', 0.5, '{"lr":0.1}', '{}', '{}', '{}', 1, 2, NULL, 1), (1, 1, 'running', NULL, '{}', '{}', '{}', '{}', 1, NULL, 1, 2);
    INSERT INTO trial_commands (trial_id, kind, args, state, created_at) VALUES (2, 'pause', '{}', 'pending', 1);
    INSERT INTO trial_checkpoints (trial_id, step, kind, meta, created_at, data) VALUES (1, 1, 'manual', '{}', 1, x'0102');`);
  raw.close();
  assert.equal(SCHEMA_VERSION, 4);
  const s = await SqliteStorage.open(path);
  await checkMigratedFromV2(s);
  await s.close();
  const check = new Database(path, { readonly: true });
  assert.deepEqual(check.prepare('SELECT version FROM schema_version').all(), [{ version: 4 }]);
  check.close();
});

test('sqlite: a study file written by the previous release (schema 3) upgrades in place and reads as it did; a multi-objective study fits beside it', async () => {
  // fixtures-study/released-v3.db was written by caviar at commit 0a507ad (schema 3): study
  // "released", maximize, 6 trials (complete, failed, one still running) with reports at steps 0 and 1.
  const path = join(dir, 'released-v3.db');
  copyFileSync(new URL('./fixtures-study/released-v3.db', import.meta.url), path);
  const before = new Database(path, { readonly: true });
  assert.deepEqual(before.prepare('SELECT version FROM schema_version').all(), [{ version: 3 }]);
  const rows = before.prepare('SELECT number, state, value, params FROM trials ORDER BY number').all();
  before.close();
  const s = await SqliteStorage.open(path);
  const st = (await s.getStudy('released'))!;
  assert.deepEqual([st.direction, st.directions, st.userAttrs], ['maximize', ['maximize'], { dataset: 'spirals' }]);
  const { trials } = await s.trialsSince(st.id, 0);
  assert.deepEqual(
    trials.map((t) => [t.number, t.state, t.value ?? null, JSON.stringify(t.params)]),
    (rows as { number: number; state: string; value: number | null; params: string }[]).map((r) => [r.number, r.state, r.value, r.params]),
  );
  assert.equal(trials[0].intermediate.size, 2);
  assert.ok(trials.every((t) => t.values === undefined && t.constraints === undefined && t.intermediateVectors === undefined));
  const multi = await s.createStudy({ name: 'pareto', direction: 'maximize', directions: ['maximize', 'minimize'] });
  const t = (await s.claimTrial(multi.id))!;
  await s.updateTrial(t.id, { intermediate: [[0, [0.5, 3]]], finish: { state: 'complete', values: [0.9, 2.5] } });
  await s.close();
  const again = await SqliteStorage.open(path);
  assert.deepEqual((await again.getStudy('pareto'))!.directions, ['maximize', 'minimize']);
  const [got] = (await again.trialsSince(multi.id, 0)).trials;
  assert.deepEqual([got.value, got.values, [...got.intermediateVectors!]], [undefined, [0.9, 2.5], [[0, [0.5, 3]]]]);
  await again.close();
  const after = new Database(path, { readonly: true });
  assert.deepEqual(after.prepare('SELECT version FROM schema_version').all(), [{ version: 4 }]);
  after.close();
});

test('sqlite: a damaged file is a StudyFileError naming it, found before anything writes; an empty file is one only with mustExist', async () => {
  const good = join(dir, 'whole.db');
  const s = await SqliteStorage.open(good);
  const st = await s.createStudy({ name: 'w', direction: 'minimize' });
  for (let i = 0; i < 40; i++) {
    const t = (await s.claimTrial(st.id))!;
    await s.updateTrial(t.id, { userAttrs: { note: 'x'.repeat(200) }, finish: { state: 'complete', value: i } });
  }
  await s.close();
  const bytes = readFileSync(good);
  const cases: [string, Buffer, RegExp][] = [
    ['truncated', bytes.subarray(0, bytes.length - 4096), /\(truncated: \d+ bytes, where its header counts \d+ pages of 4096 bytes\)/],
    ['random', randomBytes(8192), /\(SQLite: file is not a database\)/],
    ['text', Buffer.from('a,b,c\n1,2,3\n'.repeat(100)), /\(SQLite: file is not a database\)/],
    ['scrambled', Buffer.concat([bytes.subarray(0, 4096), randomBytes(bytes.length - 4096)]), /\(SQLite: .+\)/],
  ];
  for (const [name, content, reason] of cases) {
    const path = join(dir, `damaged-${name}.db`);
    writeFileSync(path, content);
    await assert.rejects(SqliteStorage.open(path), (e: Error) =>
      e instanceof StudyFileError && e.path === path && reason.test(e.message) &&
      e.message.startsWith(`${path} is not a readable study file (`) && e.message.endsWith('restore it from a backup, or point --storage elsewhere'),
    name);
    assert.ok(Buffer.compare(readFileSync(path), content) === 0, `${name}: not one byte written`);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith(`damaged-${name}.db-`)), [], `${name}: no log or index left beside it`);
  }
  const empty = join(dir, 'empty.db');
  writeFileSync(empty, '');
  await assert.rejects(SqliteStorage.open(empty, { mustExist: true }), (e: Error) => e instanceof StudyFileError && /the file is empty \(0 bytes\)/.test(e.message));
  assert.equal(statSync(empty).size, 0);
  const fresh = await SqliteStorage.open(empty);
  assert.deepEqual(await fresh.listStudies(), [], 'without mustExist an empty file becomes a new study file');
  await fresh.close();
});
