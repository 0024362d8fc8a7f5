// The PostgreSQL storage against the real server on 127.0.0.1:5432 (database
// `test`; CAVIAR_TEST_POSTGRES_URL overrides it). Every storage the tests open
// lives in its own fresh PostgreSQL schema, dropped at the end. Without a
// server the file skips with a one-line notice (fails under CAVIAR_REQUIRE_ALL=1).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { SchemaVersionError, StorageError } from '../../src/tune/storage/errors.js';
import { PostgresStorage, VERSION_GAP } from '../../src/tune/storage/postgres.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/tune/storage/postgres-schema.js';
import { requireOrSkip } from '../helpers/requirements.js';
import { checkMigratedFromV2, storageSuite } from './storage-suite.js';
import { PG_NOTICE, PG_URL, pgAvailable, sql } from '../helpers/postgres.js';

const schemas: string[] = [];
/** A schema name no other test file or run uses. */
function freshSchema(): string {
  const name = `caviar_test_${process.pid}_${schemas.length}`;
  schemas.push(name);
  return name;
}

/** A fresh schema built by the migrations up to `version` (as that release left it), with `rows` inserted. */
async function schemaAt(version: number, rows: (S: string) => string): Promise<{ schema: string; S: string }> {
  const schema = freshSchema();
  const S = `"${schema}".`;
  await sql(`CREATE SCHEMA "${schema}";\n${MIGRATIONS.filter((m) => m.version <= version).map((m) => m.sql.replace(/\bS\./g, S)).join('\n')}
    INSERT INTO ${S}schema_version (version) VALUES (${version});
    ${rows(S)}`);
  return { schema, S };
}


async function dropSchemas(): Promise<void> {
  const names = schemas.splice(0);
  if (names.length > 0) await sql(names.map((s) => `DROP SCHEMA IF EXISTS "${s}" CASCADE;`).join('\n'));
}

const available = pgAvailable;
const NOTICE = PG_NOTICE;

if (!available) {
  test('postgres storage', (t) => {
    requireOrSkip(t, false, NOTICE);
  });
} else {
  after(dropSchemas);

  storageSuite('postgres', {
    open: (options = {}) => PostgresStorage.open(PG_URL, { schema: freshSchema(), ...options }),
    reopen: (storage, options = {}) => PostgresStorage.open(PG_URL, { schema: (storage as PostgresStorage).schema, ...options }),
    cleanup: dropSchemas,
  });

  test('postgres: 8 workers in 4 processes claim and finish 400 trials of one study: each number once, 0..399', async () => {
    const schema = freshSchema();
    const s = await PostgresStorage.open(PG_URL, { schema });
    const st = await s.createStudy({ name: 'shared', direction: 'minimize' });
    const budget = 400;
    const script = new URL('./fixtures-postgres/claimer.ts', import.meta.url).pathname;
    const started = Date.now();
    // Two workers (two storages, their own connections) per process: eight claimers, fewer process start-ups.
    const runs = Array.from({ length: 4 }, () =>
      new Promise<number[][]>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script, PG_URL, schema, 'shared', String(budget), '2'], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`claimer exited ${code}: ${err}`))));
      }),
    );
    const perWorker = (await Promise.all(runs)).flat();
    const numbers = perWorker.flat().sort((a, b) => a - b);
    assert.equal(perWorker.length, 8);
    assert.deepEqual(numbers, Array.from({ length: budget }, (_, i) => i), 'every number once, no gap');
    const { trials } = await s.trialsSince(st.id, 0);
    assert.equal(trials.length, budget);
    assert.equal(trials.filter((t) => t.state === 'complete').length, budget);
    assert.ok(trials.every((t) => t.params.x === t.number && t.intermediate.get(0) === t.number));
    assert.ok(perWorker.filter((n) => n.length > 0).length >= 2, `work was shared: ${perWorker.map((n) => n.length)}`);
    console.log(`8 claimers: ${budget} trials in ${Date.now() - started} ms; per worker ${perWorker.map((n) => n.length).join(' ')}`);
    await s.close();
  });

  test('postgres: a reopened storage has every study and trial; ?schema= in the URL picks the schema', async () => {
    const schema = freshSchema();
    const a = await PostgresStorage.open(`${PG_URL}?schema=${schema}`);
    assert.equal(a.schema, schema);
    assert.equal(a.location, `${PG_URL}?schema=${schema}`);
    const st = await a.createStudy({ name: 's', direction: 'maximize', data: { experiment: 'mlp.yaml' } });
    const t = (await a.claimTrial(st.id))!;
    await a.updateTrial(t.id, { intermediate: [[0, 0.5]], finish: { state: 'complete', value: 0.75 } });
    await a.close();
    const b = await PostgresStorage.open(PG_URL, { schema });
    const again = (await b.getStudy('s'))!;
    assert.deepEqual(again.data, { experiment: 'mlp.yaml' });
    const { trials } = await b.trialsSince(again.id, 0);
    assert.deepEqual(trials.map((x) => [x.number, x.state, x.value, x.intermediate.get(0)]), [[0, 'complete', 0.75, 0.5]]);
    await b.close();
  });

  test('postgres: a version-1 schema (made by the first migration alone) is migrated to the current version, its trials kept', async () => {
    const schema = freshSchema();
    assert.equal(MIGRATIONS[0].version, 1);
    assert.ok(SCHEMA_VERSION >= 2);
    await sql(`CREATE SCHEMA "${schema}";\n${MIGRATIONS[0].sql.replace(/\bS\./g, `"${schema}".`)}
      INSERT INTO "${schema}".schema_version (version) VALUES (1);
      INSERT INTO "${schema}".studies (name, direction, user_attrs, system_attrs, data, created_at, version) VALUES ('old', 'minimize', '{}', '{}', 'null', 1, 1);
      INSERT INTO "${schema}".trials (study_id, number, state, value, params, distributions, user_attrs, system_attrs, started_at, completed_at, version)
        SELECT id, 0, 'complete', 0.5, '{"lr":0.1}', '{}', '{}', '{}', 1, 2, 1 FROM "${schema}".studies;`);
    // Two processes opening at once: the advisory lock lets one migrate, the other finds it done.
    const [s, other] = await Promise.all([PostgresStorage.open(PG_URL, { schema }), PostgresStorage.open(PG_URL, { schema })]);
    await other.close();
    const st = (await s.getStudy('old'))!;
    const { trials } = await s.trialsSince(st.id, 0);
    assert.deepEqual(trials.map((t) => [t.number, t.state, t.value, t.params]), [[0, 'complete', 0.5, { lr: 0.1 }]]);
    const t = (await s.claimTrial(st.id))!;
    const c = await s.sendCommand(t.id, { kind: 'pause' });
    assert.deepEqual((await s.takeCommands(t.id)).map((x) => x.id), [c.id]);
    const cp = await s.saveCheckpoint(trials[0].id, { step: 1, kind: 'manual', data: Uint8Array.of(9) });
    assert.deepEqual(Array.from((await s.loadCheckpoint(cp.id)).data), [9]);
    await s.close();
    assert.deepEqual((await sql(`SELECT version FROM "${schema}".schema_version`)).rows, [{ version: SCHEMA_VERSION }]);
  });

  test('postgres: a schema from a newer caviar is a clear error; a schema with foreign tables too', async () => {
    const schema = freshSchema();
    await (await PostgresStorage.open(PG_URL, { schema })).close();
    await sql(`UPDATE "${schema}".schema_version SET version = 99`);
    await assert.rejects(
      PostgresStorage.open(PG_URL, { schema }),
      (e: Error) => e instanceof SchemaVersionError && /version 99/.test(e.message) && /upgrade caviar/.test(e.message),
    );

    const foreign = freshSchema();
    await sql(`CREATE SCHEMA "${foreign}"; CREATE TABLE "${foreign}".stuff (x int)`);
    await assert.rejects(PostgresStorage.open(PG_URL, { schema: foreign }), /holds tables that are not caviar's/);
  });

  test('postgres: a bad URL, a refused connection, an unknown user or database: one-line errors', async () => {
    const oneLine = (pattern: RegExp) => (e: Error) => e instanceof StorageError && pattern.test(e.message) && !e.message.includes('\n');
    await assert.rejects(
      PostgresStorage.open('postgres://postgres@127.0.0.1:5433/test'),
      oneLine(/^cannot connect to PostgreSQL at 127\.0\.0\.1:5433: connection refused/),
    );
    await assert.rejects(PostgresStorage.open('postgres//oops'), oneLine(/not a valid URL; write postgres:\/\//));
    await assert.rejects(PostgresStorage.open('mysql://u@h/db'), oneLine(/not a PostgreSQL URL/));
    await assert.rejects(
      PostgresStorage.open('postgres://u:secret@127.0.0.1:5433/db'),
      (e: Error) => !e.message.includes('secret'),
      'the password is never printed',
    );
    await assert.rejects(
      PostgresStorage.open(PG_URL.replace('//postgres@', '//caviar_no_such_user@')),
      oneLine(/^cannot connect to PostgreSQL at 127\.0\.0\.1:5432: authentication failed for user "caviar_no_such_user"/),
    );
    await assert.rejects(
      PostgresStorage.open(PG_URL.replace(/\/test$/, '/caviar_no_such_db')),
      oneLine(/database "caviar_no_such_db" does not exist/),
    );
  });

  test('postgres: durability is full by default (commits wait for the disk); ?durability=fast turns synchronous_commit off', async () => {
    const schema = freshSchema();
    // What the storage's own connections run with (read through its pool: no other way to see a session's setting).
    const setting = async (s: PostgresStorage) =>
      ((await (s as unknown as { db: { pool: pg.Pool } }).db.pool.query('SHOW synchronous_commit')).rows[0] as { synchronous_commit: string }).synchronous_commit;
    const serverDefault = (await sql('SHOW synchronous_commit')).rows[0].synchronous_commit;
    const safe = await PostgresStorage.open(`${PG_URL}?schema=${schema}`);
    assert.equal(safe.durability, 'full');
    assert.equal(await setting(safe), serverDefault, "full keeps the server's setting");
    assert.equal(serverDefault, 'on', 'the test server runs with the default synchronous_commit');
    await safe.close();
    const fast = await PostgresStorage.open(`${PG_URL}?schema=${schema}&durability=fast`);
    assert.equal(fast.durability, 'fast');
    assert.equal(await setting(fast), 'off');
    assert.equal(fast.location, `${PG_URL}?schema=${schema}`, 'durability is not part of where the data is');
    await fast.close();
    const option = await PostgresStorage.open(`${PG_URL}?durability=fast`, { schema, durability: 'full' });
    assert.equal(await setting(option), 'on', 'the option wins over the URL');
    await option.close();
    await assert.rejects(
      PostgresStorage.open(`${PG_URL}?durability=sometimes`, { schema }),
      (e: Error) => e instanceof StorageError && /durability must be full or fast, got "sometimes"/.test(e.message),
    );
  });

  test('postgres: with mustExist a missing or empty schema is refused, naming it and the database, and is not created', async () => {
    const typo = freshSchema();
    await assert.rejects(
      PostgresStorage.open(`${PG_URL}?schema=${typo}`, { mustExist: true }),
      (e: Error) => e instanceof StorageError && !e.message.includes('\n') &&
        e.message.includes(`no schema "${typo}" in database "test"`) && /is \?schema= mistyped\?/.test(e.message),
    );
    assert.equal((await sql('SELECT 1 FROM pg_namespace WHERE nspname = $1', [typo])).rowCount, 0, 'nothing was created');
    await sql(`CREATE SCHEMA "${typo}"`);
    await assert.rejects(PostgresStorage.open(PG_URL, { schema: typo, mustExist: true }), /schema ".*" in database "test" holds no caviar studies/);
    // Creating is what opens without mustExist (createStudy, caviar tune); afterwards mustExist is satisfied.
    await (await PostgresStorage.open(PG_URL, { schema: typo })).close();
    await (await PostgresStorage.open(PG_URL, { schema: typo, mustExist: true })).close();
  });

  test('postgres: connections the server drops are reopened without an error reaching the caller', async () => {
    const schema = freshSchema();
    const app = `caviar_drop_${process.pid}`;
    const s = await PostgresStorage.open(`${PG_URL}?application_name=${app}`, { schema });
    const st = await s.createStudy({ name: 'drop', direction: 'minimize' });
    for (let i = 0; i < 5; i++) {
      const t = (await s.claimTrial(st.id))!;
      // The server ends every connection of this storage (as a restart or a network cut would).
      const killed = await sql('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [app]);
      assert.ok(killed.rowCount! >= 1);
      await s.updateTrial(t.id, { intermediate: [[0, i]], finish: { state: 'complete', value: i } });
    }
    const { trials } = await s.trialsSince(st.id, 0);
    assert.deepEqual(trials.map((t) => [t.number, t.state]), [0, 1, 2, 3, 4].map((n) => [n, 'complete']));
    await s.close();
  });

  test('postgres: heartbeats and staleness use the server clock', async () => {
    const s = await PostgresStorage.open(PG_URL, { schema: freshSchema() });
    const st = await s.createStudy({ name: 'clock', direction: 'minimize' });
    const serverNow = async () => Number((await sql('SELECT (extract(epoch from clock_timestamp()) * 1000)::float8 AS now')).rows[0].now);
    const before = await serverNow();
    const t = (await s.claimTrial(st.id))!;
    const after = await serverNow();
    // Between two readings of the server's clock (stored in whole ms), however long the claim took.
    assert.ok(t.startedAt! >= Math.floor(before) && t.startedAt! <= Math.ceil(after), `startedAt ${t.startedAt} comes from the server (${before}..${after})`);
    assert.deepEqual(await s.failStaleTrials(st.id, 60_000), []);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(await s.failStaleTrials(st.id, 10), [t.number]);
    await s.close();
  });
}

if (available) {
  test('postgres: a write whose answer is lost after its COMMIT is retried and found done: nothing is written twice', async () => {
    const schema = freshSchema();
    const armed = new Set<string>();
    const fired: string[] = [];
    const s = await PostgresStorage.open(PG_URL, {
      schema,
      loseAnswerAfterCommit: (method) => {
        if (!armed.delete(method)) return false;
        fired.push(method);
        return true;
      },
    });
    /** Runs `fn` with the answer of the first commit of `method` lost. */
    const lossy = async <T>(method: string, fn: () => Promise<T>): Promise<T> => {
      armed.add(method);
      const result = await fn();
      assert.equal(armed.has(method), false, `${method}: the fault fired`);
      return result;
    };
    const st = await lossy('createStudy', () => s.createStudy({ name: 'lossy', direction: 'minimize' }));
    assert.deepEqual((await s.listStudies()).map((x) => [x.id, x.name]), [[st.id, 'lossy']]);
    // A fresh claim (the storage's own key), one with the caller's key, one with a finishing write, and
    // one on the general path (an enqueued trial).
    const a = (await lossy('claimTrial', () => s.claimTrial(st.id)))!;
    const b = (await lossy('claimTrial', () => s.claimTrial(st.id, { key: 'b' })))!;
    const c = (await lossy('claimTrial', () =>
      s.claimTrial(st.id, { key: 'c', finishing: { trialId: a.id, update: { intermediate: [[0, 5]], finish: { state: 'complete', value: 1 } } } })))!;
    const w = await lossy('enqueueTrial', () => s.enqueueTrial(st.id, { params: { lr: 0.5 } }));
    const d = (await lossy('claimTrial', () => s.claimTrial(st.id, { key: 'd' })))!;
    assert.deepEqual([a.number, b.number, c.number, w.number, d.id], [0, 1, 2, 3, w.id]);
    await lossy('updateTrial', () => s.updateTrial(b.id, { intermediate: [[0, 2]], finish: { state: 'complete', value: 2 } }));
    const sent = await lossy('sendCommand', () => s.sendCommand(c.id, { kind: 'pause' }));
    const taken = await lossy('takeCommands', () => s.takeCommands(c.id));
    assert.deepEqual(taken.map((x) => [x.id, x.state]), [[sent.id, 'taken']], 'the retried take returns what the first took');
    const settled = await lossy('settleCommand', () => s.settleCommand(sent.id, { state: 'applied', step: 1 }));
    assert.equal(settled.state, 'applied');
    const cp = await lossy('saveCheckpoint', () => s.saveCheckpoint(c.id, { step: 1, kind: 'manual', data: Uint8Array.of(7) }));
    const { trials } = await s.trialsSince(st.id, 0);
    assert.deepEqual(trials.map((t) => [t.number, t.state, t.value]), [
      [0, 'complete', 1],
      [1, 'complete', 2],
      [2, 'running', undefined],
      [3, 'running', undefined],
    ]);
    assert.deepEqual(trials.map((t) => [...t.intermediate]), [[[0, 5]], [[0, 2]], [], []]);
    assert.deepEqual((await s.listCommands(c.id)).map((x) => [x.id, x.state]), [[sent.id, 'applied']]);
    assert.deepEqual((await s.listCheckpoints(c.id)).map((x) => x.id), [cp.id]);
    await lossy('deleteStudy', () => s.deleteStudy('lossy'));
    assert.deepEqual(await s.listStudies(), []);
    assert.deepEqual(fired, [
      'createStudy', 'claimTrial', 'claimTrial', 'claimTrial', 'enqueueTrial', 'claimTrial', 'updateTrial',
      'sendCommand', 'takeCommands', 'settleCommand', 'saveCheckpoint', 'deleteStudy',
    ]);
    await s.close();
  });

  test('postgres: after a crash that rolled back versions a reader saw, new versions jump past them and that reader reads everything again', async () => {
    const schema = freshSchema();
    const s = await PostgresStorage.open(PG_URL, { schema });
    const st = await s.createStudy({ name: 'crash', direction: 'minimize' });
    const t0 = (await s.claimTrial(st.id))!;
    await s.updateTrial(t0.id, { finish: { state: 'complete', value: 1 } });
    const durable = (await s.trialsSince(st.id, 0)).cursor;
    await s.claimTrial(st.id);
    await s.claimTrial(st.id);
    const seen = (await s.trialsSince(st.id, durable)).cursor;
    assert.equal(seen, durable + 2, 'one version per write within a server run');
    // A crash of a durability=fast server loses the last commits, which a reader had seen: their rows and the
    // counter go back, and the server comes back as a new run.
    await sql(`DELETE FROM "${schema}".trials WHERE number > 0; UPDATE "${schema}".studies SET version = ${durable}, run = 'the run before the crash'`);
    const early = await s.trialsSince(st.id, seen);
    assert.deepEqual([early.reset, early.trials.map((t) => t.number), early.cursor], [true, [0], durable], 'a cursor past the counter');
    const again = (await s.claimTrial(st.id))!;
    assert.equal(again.number, 1, 'the lost trial number is handed out again');
    const page = await s.trialsSince(st.id, seen);
    assert.equal(page.reset, true, 'a cursor inside the gap the new run jumped over');
    assert.deepEqual(page.trials.map((t) => [t.number, t.id]), [[0, t0.id], [1, again.id]]);
    assert.equal(page.study?.name, 'crash');
    assert.equal(page.cursor, durable + VERSION_GAP, 'the new run began past every version the old one could have handed out');
    // A reader that saw only what survived reads on as usual and misses nothing; so does the reset reader.
    const calm = await s.trialsSince(st.id, durable);
    assert.deepEqual([calm.reset, calm.trials.map((t) => t.number)], [undefined, [1]]);
    await s.claimTrial(st.id);
    const next = await s.trialsSince(st.id, page.cursor);
    assert.deepEqual([next.reset, next.trials.map((t) => t.number), next.cursor], [undefined, [2], durable + VERSION_GAP + 1]);
    await s.close();
  });

  test('postgres: a version-2 schema is migrated to the current version in place: trials, commands and checkpoints kept, keys work', async () => {
    assert.equal(SCHEMA_VERSION, 4);
    const { schema, S } = await schemaAt(2, (S) => `INSERT INTO ${S}studies (name, direction, user_attrs, system_attrs, data, created_at, version) VALUES ('v2', 'minimize', '{}', '{}', 'null', 1, 3);
      INSERT INTO ${S}trials (study_id, number, state, value, params, distributions, user_attrs, system_attrs, started_at, completed_at, heartbeat_at, version)
        SELECT id, 0, 'complete', 0.5, '{"lr":0.1}', '{}', '{}', '{}', 1, 2, NULL, 1 FROM ${S}studies;
      INSERT INTO ${S}trials (study_id, number, state, value, params, distributions, user_attrs, system_attrs, started_at, completed_at, heartbeat_at, version)
        SELECT id, 1, 'running', NULL, '{}', '{}', '{}', '{}', 1, NULL, 1, 2 FROM ${S}studies;
      INSERT INTO ${S}trial_commands (trial_id, kind, args, state, created_at) SELECT id, 'pause', '{}', 'pending', 1 FROM ${S}trials WHERE number = 1;
      INSERT INTO ${S}trial_checkpoints (trial_id, step, kind, meta, created_at, data) SELECT id, 1, 'manual', '{}', 1, '\\x0102' FROM ${S}trials WHERE number = 0;`);
    const s = await PostgresStorage.open(PG_URL, { schema });
    assert.deepEqual((await sql(`SELECT version FROM ${S}schema_version`)).rows, [{ version: 4 }]);
    const cursor = await checkMigratedFromV2(s);
    // The first version after the upgrade starts the server run's count past the gap; the old cursor still reads on.
    const page = await s.trialsSince((await s.getStudy('v2'))!.id, cursor);
    assert.deepEqual([page.reset, page.trials.map((t) => t.number)], [undefined, [1, 2]]);
    await s.close();
  });

  test('postgres: a version-3 schema (the previous release) upgrades in place, reads as before, and takes multi-objective studies', async () => {
    const { schema, S } = await schemaAt(3, (S) => `INSERT INTO ${S}studies (name, direction, user_attrs, system_attrs, data, created_at, version) VALUES ('v3', 'maximize', '{}', '{}', 'null', 1, 2);
      INSERT INTO ${S}trials (study_id, number, state, value, params, distributions, user_attrs, system_attrs, started_at, completed_at, heartbeat_at, version)
        SELECT id, 0, 'complete', 0.75, '{"x":1}', '{}', '{}', '{}', 1, 2, NULL, 1 FROM ${S}studies;
      INSERT INTO ${S}trial_values (trial_id, step, value) SELECT id, 0, 0.5 FROM ${S}trials;`);
    const s = await PostgresStorage.open(PG_URL, { schema });
    assert.deepEqual((await sql(`SELECT version FROM ${S}schema_version`)).rows, [{ version: 4 }]);
    const old = (await s.getStudy('v3'))!;
    assert.deepEqual([old.direction, old.directions], ['maximize', ['maximize']]);
    const [t0] = (await s.trialsSince(old.id, 0)).trials;
    assert.deepEqual([t0.value, t0.values, [...t0.intermediate], t0.intermediateVectors], [0.75, undefined, [[0, 0.5]], undefined]);
    const multi = await s.createStudy({ name: 'pareto', direction: 'minimize', directions: ['minimize', 'minimize', 'maximize'] });
    const t = (await s.claimTrial(multi.id))!;
    await s.updateTrial(t.id, { intermediate: [[2, [1, Number.NaN, 3]]], finish: { state: 'complete', values: [1, 2, 3] } });
    const [got] = (await s.trialsSince(multi.id, 0)).trials;
    assert.deepEqual([got.values, [...got.intermediate], [...got.intermediateVectors!]], [[1, 2, 3], [[2, 1]], [[2, [1, Number.NaN, 3]]]]);
    assert.deepEqual((await s.getStudy('pareto'))!.directions, ['minimize', 'minimize', 'maximize']);
    await s.close();
  });
}
