// `caviar worker` against the real PostgreSQL server on 127.0.0.1:5432
// (database `test`; CAVIAR_TEST_POSTGRES_URL overrides it): worker processes
// on one study stop at exactly its budget, and a worker killed mid-trial has
// its trial failed after the grace period and retried by another. Each test
// uses a fresh schema (`?schema=`), dropped at the end. Without a server the
// file skips with a one-line notice (fails under CAVIAR_REQUIRE_ALL=1).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCaviar as run } from '../helpers/cli.js';
import { parseExperiment } from '../../src/experiment/spec.js';
import { createStudy, loadStudy } from '../../src/tune/study.js';
import { requireOrSkip } from '../helpers/requirements.js';
import { PG_NOTICE, PG_URL, pgAvailable, sql } from '../helpers/postgres.js';

const CAVIAR = fileURLToPath(new URL('./fixtures/caviar.ts', import.meta.url));
const schemas: string[] = [];
const dirs: string[] = [];


const available = pgAvailable;
const NOTICE = PG_NOTICE;

after(async () => {
  const names = schemas.splice(0);
  if (available && names.length > 0) await sql(names.map((s) => `DROP SCHEMA IF EXISTS "${s}" CASCADE;`).join('\n'));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A storage URL in a schema no other test or run uses. */
function freshStorage(): string {
  const schema = `caviar_worker_test_${process.pid}_${schemas.length}`;
  schemas.push(schema);
  return `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
}

/**
 * A study as `caviar tune EXP --storage URL` records it: the parsed
 * experiment file and its path in `study.data`, no trial yet.
 */
async function recordStudy(storage: string, name: string, lines: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-worker-'));
  dirs.push(dir);
  const source = join(dir, 'exp.yaml');
  const exp = parseExperiment({
    name,
    output: join(dir, 'out'),
    ...Object.fromEntries(lines.map((l) => l.split(/:(.*)/s)).map(([k, v]) => [k.trim(), JSON.parse(v.trim())])),
  }, source);
  const study = await createStudy({ name, storage, direction: exp.tune!.direction, data: { experiment: exp.raw, source } });
  await study.close();
}

interface Run { child: ChildProcess; stdout: () => string; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> }

function worker(args: string[], onStdout?: (all: string, child: ChildProcess) => void): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', CAVIAR, 'worker', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (c) => { stderr += c; });
  child.stdout!.on('data', (c) => {
    stdout += c;
    onStdout?.(stdout, child);
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((ok) =>
    child.on('close', (code, signal) => ok({ code, signal, stdout, stderr })));
  return { child, stdout: () => stdout, done };
}


// Tiny and fast: a trial is a few tens of milliseconds.
const TINY = [
  'data: {"source": "blobs", "classes": 3, "perClass": 60, "features": 4}',
  'model: {"hidden": [16]}',
  'train: {"epochs": 2, "batchSize": 16}',
  'tune: {"trials": 40, "sampler": "random", "pruner": "none"}',
];

test('caviar worker: bad input is one clear line, exit 2', async (t) => {
  if (!requireOrSkip(t, available, NOTICE)) return;
  const storage = freshStorage();
  await recordStudy(storage, 'tiny', TINY);
  const bare = await createStudy({ name: 'bare', storage });
  await bare.close();

  const missing = await run(['worker', '--storage', storage, '--study', 'nope']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /^caviar worker: no study named 'nope' in .*\(it has: (bare, tiny|tiny, bare)\)$/);

  await recordStudy(storage, 'population', [...TINY.slice(0, 3), 'tune: {"sampler": "random", "pbt": {"population": 4, "generations": 2}}']);
  const pbt = await run(['worker', '--storage', storage, '--study', 'population']);
  assert.equal(pbt.code, 2);
  assert.match(pbt.err, /^caviar worker: study 'population' is population-based \(tune\.pbt\): run it from one 'caviar tune' process with --workers N; 'caviar worker' cannot join it$/);

  const noExp = await run(['worker', '--storage', storage, '--study', 'bare']);
  assert.equal(noExp.code, 2);
  assert.match(noExp.err, /^caviar worker: study 'bare' has no recorded experiment; create it with 'caviar tune EXPERIMENT --storage URL'$/);

  const refused = await run(['worker', '--storage', 'postgres://postgres@127.0.0.1:1/test', '--study', 'tiny']);
  assert.equal(refused.code, 2);
  assert.equal(refused.err.split('\n').length, 1, refused.err);
  assert.match(refused.err, /^caviar worker: .*127\.0\.0\.1:1/);

  const badUrl = await run(['worker', '--storage', 'postgres://', '--study', 'tiny']);
  assert.equal(badUrl.code, 2);
  assert.equal(badUrl.err.split('\n').length, 1, badUrl.err);

  const noStorage = await run(['worker', '--study', 'tiny']);
  assert.equal(noStorage.code, 2);
  assert.match(noStorage.err, /needs --storage URL/);
  const badGrace = await run(['worker', '--storage', storage, '--study', 'tiny', '--grace', 'soon']);
  assert.equal(badGrace.code, 2);
  assert.match(badGrace.err, /--grace: expected a duration/);
  const noModule = await run(['worker', '--storage', storage, '--study', 'tiny', '--objective', 'no/such/objective.ts']);
  assert.equal(noModule.code, 2);
  assert.match(noModule.err, /^caviar worker: --objective: no file at .*no\/such\/objective\.ts$/);
});

test('caviar worker, studies, show: a wrong URL, a refused connection, a mistyped schema, a newer schema: one line each, exit 2', async (t) => {
  if (!requireOrSkip(t, available, NOTICE)) return;
  const storage = freshStorage();
  await recordStudy(storage, 'tiny', TINY);
  /** Exit 2 and one line on stderr, matching `pattern`, no stack trace. */
  const refusedWith = async (args: string[], pattern: RegExp) => {
    const r = await run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.equal(r.err.split('\n').length, 1, r.err);
    assert.doesNotMatch(r.err, /\bat .*\.(ts|js):\d+/, 'no stack trace');
    assert.match(r.err, pattern);
  };
  const workerArgs = (url: string) => ['worker', '--storage', url, '--study', 'tiny'];

  await refusedWith(workerArgs('postgres://postgres@127.0.0.1:5999/test'), /^caviar worker: cannot connect to PostgreSQL at 127\.0\.0\.1:5999: connection refused \(is the server running\?\)$/);
  await refusedWith(workerArgs('postgres//postgres@127.0.0.1/test'), /^caviar worker: storage "postgres\/\/postgres@127\.0\.0\.1\/test" is not a valid URL; write postgres:\/\/user/);
  await refusedWith(workerArgs('postgresql:/test'), /names no host/);
  await refusedWith(workerArgs('mysql://me@127.0.0.1/test'), /^caviar worker: storage "mysql:\/\/me@127\.0\.0\.1\/test": caviar does not know mysql:\/\/ storages; write a file path, sqlite:PATH or postgres:\/\/user@host\/db$/);
  await refusedWith(workerArgs(`${PG_URL}?schema=caviar_no_such_schema`), /database "test".*caviar_no_such_schema|caviar_no_such_schema.*database "test"/);
  await refusedWith(workerArgs(storage.replace('?', '?durability=sometimes&')), /durability must be full or fast, got "sometimes"/);
  await refusedWith(workerArgs(storage).slice(0, 3).concat('--study', 'tiyn'), /^caviar worker: no study named 'tiyn' in .* \(it has: tiny\)$/);

  // A mistyped schema is named, with the database, and is not created by the attempt.
  const typo = `${schemas.at(-1)}_typo`;
  await refusedWith(workerArgs(storage.replace(/schema=([^&]+)/, `schema=${typo}`)), new RegExp(`no schema "${typo}" in database "test" \\(is \\?schema= mistyped\\?`));
  await refusedWith(['studies', '--storage', storage.replace(/schema=([^&]+)/, `schema=${typo}`)], new RegExp(`^caviar studies: .*no schema "${typo}"`));
  await refusedWith(['show', 'tiny', '--storage', storage.replace(/schema=([^&]+)/, `schema=${typo}`)], new RegExp(`^caviar show: .*no schema "${typo}"`));
  assert.equal((await sql('SELECT 1 FROM pg_namespace WHERE nspname = $1', [typo])).rowCount, 0, 'no schema was created');

  // The right schema: studies and show read it.
  const listed = await run(['studies', '--storage', storage, '--json']);
  assert.equal(listed.code, 0, listed.err);
  assert.deepEqual(listed.out.split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'study').map((e) => e.name), ['tiny']);
  const shownStudy = await run(['show', 'tiny', '--storage', storage]);
  assert.equal(shownStudy.code, 0, shownStudy.err);
  assert.match(shownStudy.out, /^Study 'tiny' in postgres:\/\/.*: maximize, 0 complete/);

  // A schema a newer caviar wrote.
  await sql(`UPDATE "${schemas.at(-1)}".schema_version SET version = 99`);
  await refusedWith(workerArgs(storage), /^caviar worker: .* has schema version 99, but this caviar knows versions up to \d+: upgrade caviar to open it$/);
  await refusedWith(['studies', '--storage', storage], /^caviar studies: .*schema version 99.*upgrade caviar/);
});

test('caviar worker: 4 worker processes on one study stop at exactly its 40 complete trials, no trial twice', async (t) => {
  if (!requireOrSkip(t, available, NOTICE)) return;
  const storage = freshStorage();
  await recordStudy(storage, 'tiny', TINY);
  const runs = Array.from({ length: 4 }, () => worker(['--storage', storage, '--study', 'tiny']));
  const results = await Promise.all(runs.map((r) => r.done));
  for (const r of results) {
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /Worker \d+ on study 'tiny' \(tiny\): 40 trials/);
    assert.match(r.stdout, /study 'tiny' has 40\/40 complete/);
  }
  const printed = results.flatMap((r) => [...r.stdout.matchAll(/^trial +(\d+) +complete/gm)].map((m) => Number(m[1])));
  assert.equal(new Set(printed).size, printed.length, 'no trial printed by two workers');

  const study = await loadStudy({ name: 'tiny', storage });
  try {
    const all = study.trials();
    assert.equal(study.trials(['complete']).length, 40);
    assert.equal(all.length, 40, `only complete trials: ${all.map((x) => x.state).join(',')}`);
    const numbers = all.map((x) => x.number).sort((a, b) => a - b);
    assert.deepEqual(numbers, Array.from({ length: 40 }, (_, i) => i), 'every number once, no gap');
    const params = all.map((x) => JSON.stringify(x.params));
    assert.equal(new Set(params).size, 40, 'random sampler: all params distinct (no trial claimed twice)');
    assert.deepEqual(printed.sort((a, b) => a - b), numbers, 'each trial printed by the worker that ran it');
  } finally {
    await study.close();
  }
});

test('caviar worker: a worker killed mid-trial has its trial failed once the grace period is over and retried by another', async (t) => {
  if (!requireOrSkip(t, available, NOTICE)) return;
  const storage = freshStorage();
  // Slower trials (about a second) so the kill lands mid-trial.
  await recordStudy(storage, 'slow', [
    'data: {"source": "blobs", "classes": 3, "perClass": 1500, "features": 16}',
    'model: {"hidden": [128, 128]}',
    'train: {"epochs": 8, "batchSize": 32}',
    'tune: {"trials": 6, "sampler": "random", "pruner": "none"}',
  ]);
  const args = ['--storage', storage, '--study', 'slow', '--grace', '2s'];
  // The victim runs alone until storage shows it inside a trial (after one complete, so it is warm);
  // then it is killed, and only then does the survivor start: the kill always lands mid-trial.
  const victim = worker(args);
  const watcher = await loadStudy({ name: 'slow', storage });
  let killedAt = 0;
  try {
    // A gross bound: a victim that never gets there fails the test instead of hanging it.
    const deadline = Date.now() + 5 * 60_000;
    for (;;) {
      await watcher.refresh();
      // ...and its parameters have reached storage (they are flushed just after the trial starts), so the retry can copy them.
      const running = watcher.trials(['running']);
      if (watcher.trials(['complete']).length >= 1 && running.length === 1 && Object.keys(running[0].params).length > 0) break;
      assert.ok(Date.now() < deadline, `the victim never started a second trial:\n${victim.stdout()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    killedAt = Date.now();
    victim.child.kill('SIGKILL');
  } finally {
    await watcher.close();
  }
  const dead = await victim.done;
  assert.equal(dead.signal, 'SIGKILL', `${dead.stdout}\n${dead.stderr}`);
  const alive = await worker(args).done;
  assert.equal(alive.code, 0, `${alive.stdout}\n${alive.stderr}`);
  assert.match(alive.stdout, /\(retry of trial \d+\)/);

  const study = await loadStudy({ name: 'slow', storage });
  try {
    assert.equal(study.trials(['complete']).length, 6, 'the requested number of complete trials');
    assert.deepEqual(study.trials(['running']), [], 'no trial left running');
    const failed = study.trials(['failed']);
    assert.equal(failed.length, 1, `one failed trial (the victim's): ${JSON.stringify(failed.map((f) => f.systemAttrs))}`);
    const lost = failed[0];
    // Failed by the survivor (its output names the retry) once the heartbeat was older than the grace period,
    // never before. How soon after the kill depends on the machine's load, so it is not asserted.
    assert.ok(lost.completedAt !== undefined && lost.completedAt >= killedAt, 'failed after the kill');
    const silent = Number(/no heartbeat for (\d+) ms/.exec(String(lost.systemAttrs.failReason))?.[1]);
    assert.ok(silent >= 2000, `failed only after the 2 s grace period: ${String(lost.systemAttrs.failReason)}`);
    const retry = study.trials().find((x) => x.systemAttrs.retryOf === lost.number);
    assert.ok(retry, 'the lost trial was retried');
    assert.equal(retry.state, 'complete');
    assert.deepEqual(retry.params, lost.params, 'the retry runs the same parameters');
    const numbers = study.trials().map((x) => x.number);
    assert.equal(new Set(numbers).size, numbers.length, 'no trial number twice');
  } finally {
    await study.close();
  }
});

test('caviar tune --storage postgres://... then caviar worker: one study, created by tune, finished by a worker', async (t) => {
  if (!requireOrSkip(t, available, NOTICE)) return;
  const dir = mkdtempSync(join(tmpdir(), 'caviar-tune-pg-'));
  dirs.push(dir);
  const storage = freshStorage();
  const exp = join(dir, 'exp.yaml');
  writeFileSync(exp, [...TINY.slice(0, 3), 'tune: {"trials": 5, "sampler": "random", "pruner": "none"}', `output: ${join(dir, 'out')}`, 'name: shared'].join('\n'));
  const home = process.cwd();
  process.chdir(dir); // a URL must not be mistaken for a folder to create here
  try {
    const tuned = await run(['tune', exp, '--storage', storage, '--trials', '2']);
    assert.equal(tuned.code, 0, tuned.err);
    assert.deepEqual(readdirSync(dir).sort(), ['exp.yaml', 'out']);
  } finally {
    process.chdir(home);
  }
  // `tune --trials 2` recorded a budget of 2; the worker is asked for 5.
  const worked = await run(['worker', '--storage', storage, '--study', 'shared', '--trials', '5']);
  assert.equal(worked.code, 0, worked.err);
  const study = await loadStudy({ name: 'shared', storage });
  try {
    assert.equal(study.trials(['complete']).length, 5);
  } finally {
    await study.close();
  }
});

test('caviar worker at scale: 8 worker processes, 2,000 trials of a cheap objective on a grid: each trial number and grid point once', async (t) => {
  if (!requireOrSkip(t, available, NOTICE)) return;
  const storage = freshStorage();
  // 50 x 50 = 2,500 points, 2,000 trials: the grid never runs out, so a duplicate point is the only way to miss one.
  const grid = { a: Array.from({ length: 50 }, (_, i) => i), b: Array.from({ length: 50 }, (_, i) => i) };
  await recordStudy(storage, 'scale', [
    'data: {"source": "blobs", "classes": 2, "perClass": 4, "features": 2}',
    `tune: ${JSON.stringify({ trials: 2000, sampler: { type: 'grid', grid }, pruner: 'none', metric: 'devLoss' })}`,
  ]);
  const objective = fileURLToPath(new URL('./fixtures/grid-objective.ts', import.meta.url));
  const started = Date.now();
  // Commits that do not wait for the disk flush: this test is about atomic claims, and on two busy cores the
  // default (full) durability made it take 55 s instead of 30-45 s.
  const fast = `${storage}&durability=fast`;
  const runs = Array.from({ length: 8 }, () => worker(['--storage', fast, '--study', 'scale', '--objective', objective, '--json']));
  const results = await Promise.all(runs.map((r) => r.done));
  const seconds = (Date.now() - started) / 1000;
  const ran: number[] = [];
  for (const r of results) {
    assert.equal(r.code, 0, `${r.stdout.slice(-2000)}\n${r.stderr}`);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; complete?: number });
    ran.push(events.filter((e) => e.type === 'trial').length);
    assert.equal(events.at(-1)?.type, 'done');
    assert.equal(events.at(-1)?.complete, 2000);
  }
  console.log(`8 workers: 2000 trials in ${seconds.toFixed(1)} s (${(2000 / seconds).toFixed(0)} trials/s with start-up); per worker ${ran.join(' ')}`);
  assert.ok(ran.filter((n) => n > 0).length >= 4, `work was shared: ${ran.join(' ')}`);

  const study = await loadStudy({ name: 'scale', storage });
  try {
    const all = study.trials();
    assert.equal(study.trials(['complete']).length, 2000, 'exactly 2,000 complete trials');
    assert.equal(all.length, 2000, `nothing but complete trials: ${all.filter((x) => x.state !== 'complete').map((x) => `${x.number} ${x.state} ${JSON.stringify(x.systemAttrs)}`).join(', ')}`);
    assert.deepEqual(all.map((x) => x.number).sort((a, b) => a - b), Array.from({ length: 2000 }, (_, i) => i), 'every number once, no gap');
    const points = all.map((x) => `${x.params.a},${x.params.b}`);
    assert.equal(new Set(points).size, 2000, 'no grid point twice');
    assert.ok(all.every((x) => x.value === Number(x.params.a) * 1000 + Number(x.params.b)), 'each value is its own point\'s');
  } finally {
    await study.close();
  }
});
