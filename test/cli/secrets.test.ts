// No secret is ever printed, served or written. Every command that takes a
// storage URL (tune, worker, studies, show, best, zoom, dashboard) runs as a
// real process with a URL whose password is a distinctive string, in text
// and --json, on success and on its error paths (unknown study, a refused
// connection, a mistyped ?schema=, a bad durability, bad options); the
// password must appear nowhere in stdout or stderr, nor in the dashboard's
// HTTP answers, events and page, nor in what caviar wrote into the storage
// (studies, attributes, trials, events) and into files (models, exports,
// the zoom child). The local server uses trust authentication, so it accepts
// any password (as .ci/run sets it up); without a server the file skips.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOKEN_HEADER } from '../../src/dashboard/api-types.js';
import { requireOrSkip } from '../helpers/requirements.js';
import { PG_NOTICE, PG_URL, pgAvailable, sql } from '../helpers/postgres.js';

const CAVIAR = fileURLToPath(new URL('./fixtures/caviar.ts', import.meta.url));
/** tsx as resolved from here: the commands run in a folder of their own, where a bare 'tsx' would not resolve. */
const TSX = import.meta.resolve('tsx');
/** '@', ':' and '/' inside, as people type them; 'zebra' is what is looked for, in any case and any escaping. */
const PASSWORD = 'Zq7@zebra:S3cr/et';
const LEAK = /zebra/i;
/** A process that hangs fails the test instead of holding it: a gross bound, no timing. */
const HANG_MS = 5 * 60_000;

const schema = `caviar_secrets_test_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'caviar-secrets-'));

after(async () => {
  if (pgAvailable) await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE; DROP SCHEMA IF EXISTS "${schema}_typo" CASCADE;`);
  rmSync(dir, { recursive: true, force: true });
});

/** The test server's URL with the password in its userinfo (percent-escaped, as a URL must hold it). */
function secretUrl(options: { schema?: string; port?: string; query?: string } = {}): string {
  const url = new URL(PG_URL);
  url.password = PASSWORD;
  if (options.port) url.port = options.port;
  if (options.schema) url.searchParams.set('schema', options.schema);
  return url.toString() + (options.query ?? '');
}

/** The same server with the password as a query setting instead, which pg reads too. */
function queryUrl(): string {
  const url = new URL(PG_URL);
  url.searchParams.set('password', PASSWORD);
  url.searchParams.set('schema', schema);
  return url.toString();
}

interface Run { code: number | null; stdout: string; stderr: string }

/** `caviar ARGS` as a real process in the test folder: everything it writes is looked at. */
function caviar(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, CAVIAR, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const hang = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`caviar ${args.join(' ')}: still running after ${HANG_MS / 60_000} minutes`));
    }, HANG_MS);
    child.on('close', (code) => {
      clearTimeout(hang);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Checks one run: its exit code, what it must say, and no password anywhere in what it printed. */
function check(run: Run, what: string, expect: { code: number; says?: RegExp }): void {
  const all = `${run.stdout}\n${run.stderr}`;
  assert.doesNotMatch(all, LEAK, `${what} printed the password:\n${all}`);
  assert.equal(run.code, expect.code, `${what}: exit ${run.code}\n${all}`);
  if (expect.says) assert.match(all, expect.says, what);
}

/** Runs each command line in text and in --json (the flag appended), a few at once. */
async function both(lines: Array<{ args: string[]; what: string; code: number; says?: RegExp }>): Promise<void> {
  const jobs = lines.flatMap((l) => [
    { ...l, args: l.args, what: `${l.what} (text)` },
    { ...l, args: [...l.args, '--json'], what: `${l.what} (--json)` },
  ]);
  for (let i = 0; i < jobs.length; i += 3) {
    const batch = jobs.slice(i, i + 3);
    const runs = await Promise.all(batch.map((j) => caviar(j.args)));
    runs.forEach((run, k) => {
      const job = batch[k];
      check(run, `caviar ${job.args.join(' ').replace(/\S*:\/\/\S*/g, 'URL')}: ${job.what}`, job);
      if (job.args.includes('--json') && job.code === 0) {
        // Every line a script reads is one JSON object.
        for (const line of run.stdout.split('\n').filter(Boolean)) assert.doesNotThrow(() => JSON.parse(line), line);
      }
    });
  }
}

function experiment(name: string, extraTune: string[] = []): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, [
    `name: ${name}`,
    'data: { source: blobs, classes: 3, perClass: 30, features: 4 }',
    'model: { hidden: [8] }',
    'train: { epochs: 2, batchSize: 16 }',
    `output: ${join(dir, 'out', name)}`,
    'tune:',
    '  trials: 2',
    '  sampler: random',
    '  pruner: none',
    ...extraTune,
  ].join('\n'));
  return path;
}

/** Every file under `root`, except those named. */
function filesUnder(root: string, except: Set<string>): string[] {
  const out: string[] = [];
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path, except));
    else if (!except.has(path)) out.push(path);
  }
  return out;
}

test('no command prints the password of a storage URL, on success or on any error path', async (t) => {
  if (!requireOrSkip(t, pgAvailable, PG_NOTICE)) return;
  const url = secretUrl({ schema });
  const exp = experiment('secret');
  // The user's own file may hold the password (tune.storage); caviar must not copy it anywhere.
  const inFile = experiment('infile', [`  storage: "${url}"`]);

  // Success: tune creates and resumes the study, worker adds trials, every reader reads it.
  await both([{ args: ['tune', exp, '--storage', url], what: 'tune', code: 0, says: /:\*\*\*@/ }]);
  // (the --json run above resumed the study to the same budget; this one adds a trial)
  await both([{ args: ['tune', exp, '--storage', url, '--trials', '3'], what: 'tune, resumed', code: 0, says: /:\*\*\*@/ }]);
  await both([{ args: ['tune', inFile], what: 'tune with tune.storage in the file', code: 0, says: /:\*\*\*@/ }]);
  await both([
    { args: ['worker', '--storage', url, '--study', 'secret', '--trials', '4'], what: 'worker', code: 0, says: /done/i },
    { args: ['studies', '--storage', url], what: 'studies', code: 0, says: /:\*\*\*@/ },
    { args: ['studies', '--storage', queryUrl()], what: 'studies, ?password=', code: 0, says: /password=\*\*\*/ },
    { args: ['show', 'secret', '--storage', url], what: 'show', code: 0, says: /:\*\*\*@/ },
    { args: ['show', 'secret', '--storage', queryUrl()], what: 'show, ?password=', code: 0, says: /password=\*\*\*/ },
  ]);
  for (const mode of [[], ['--json']]) {
    const best = join(dir, 'exports', `best${mode.length}.safetensors`);
    check(await caviar(['best', 'secret', '--storage', url, '--export', best, ...mode]), `best ${mode.join('')}`, { code: 0, says: /best/i });
  }
  // Zoom on PostgreSQL: the child study goes into the same schema; with --trials it is tuned at once.
  const zoomText = await caviar(['zoom', 'secret', '--storage', url, '--name', 'secret-child']);
  check(zoomText, 'zoom (text)', { code: 0, says: /Child study 'secret-child' created in \S*:\*\*\*@/ });
  const zoomJson = await caviar(['zoom', 'secret', '--storage', url, '--name', 'secret-child2', '--trials', '2', '--json']);
  check(zoomJson, 'zoom --trials (--json)', { code: 0, says: /"type":"done"/ });
  const child = readFileSync(join(dir, 'out', 'secret', 'secret-child.yaml'), 'utf8');
  assert.match(child, /storage: postgres:\/\/\w+@127\.0\.0\.1/, 'the child names the storage, without the password');

  // Errors: an unknown study, a refused connection, a mistyped schema, a bad durability, bad options.
  const refused = secretUrl({ port: '1' });
  const typo = secretUrl({ schema: `${schema}_typo` });
  const durability = secretUrl({ schema, query: '&durability=bogus' });
  const export_ = join(dir, 'exports', 'never.safetensors');
  const readers = (storage: string) => [
    ['studies', '--storage', storage],
    ['show', 'secret', '--storage', storage],
    ['best', 'secret', '--storage', storage, '--export', export_],
    ['zoom', 'secret', '--storage', storage],
    ['worker', '--storage', storage, '--study', 'secret'],
  ];
  await both([
    { args: ['show', 'nope', '--storage', url], what: 'unknown study', code: 2, says: /no study named 'nope'/ },
    { args: ['best', 'nope', '--storage', url, '--export', export_], what: 'unknown study', code: 2, says: /no study named 'nope'/ },
    { args: ['zoom', 'nope', '--storage', url], what: 'unknown study', code: 2, says: /no study named 'nope'/ },
    { args: ['worker', '--storage', url, '--study', 'nope'], what: 'unknown study', code: 2, says: /no study named 'nope'/ },
    ...readers(refused).map((args) => ({ args, what: 'refused connection', code: 2, says: /connection refused/ })),
    { args: ['tune', exp, '--storage', refused], what: 'refused connection', code: 2, says: /connection refused/ },
    ...readers(typo).map((args) => ({ args, what: 'mistyped schema', code: 2, says: /no schema/ })),
    ...readers(durability).map((args) => ({ args, what: 'bad durability', code: 2, says: /durability must be full or fast/ })),
    { args: ['tune', exp, '--storage', durability], what: 'bad durability', code: 2, says: /durability must be full or fast/ },
    // A URL where a name or a file was expected is echoed back in the error: without its password.
    ...readers(url).map((args) => ({ args: [...args, '--bogus'], what: 'unknown option', code: 2, says: /bogus/ })),
    { args: ['studies', url], what: 'a URL as an argument', code: 2 },
    { args: ['show', url, '--storage', url], what: 'a URL as the study name', code: 2, says: /no study named/ },
    { args: ['tune', url], what: 'a URL as the experiment', code: 2 },
    { args: ['tune', exp, '--storage', url, '--trials', 'x'], what: 'bad --trials', code: 2, says: /--trials/ },
    { args: ['worker', url, '--study', 'secret'], what: 'a URL as an argument', code: 2 },
    { args: ['dashboard', '--storage', refused, '--port', '0'], what: 'dashboard, refused connection', code: 2, says: /connection refused/ },
    { args: ['dashboard', '--storage', typo, '--port', '0'], what: 'dashboard, mistyped schema', code: 2, says: /no schema/ },
    { args: ['dashboard', '--storage', durability, '--port', '0'], what: 'dashboard, bad durability', code: 2, says: /durability/ },
    { args: ['dashboard', '--storage', url, '--port', 'x'], what: 'dashboard, bad --port', code: 2, says: /--port/ },
    { args: ['dashboard', url], what: 'dashboard, a URL as an argument', code: 2 },
  ]);
  const [typoSchema] = (await sql('SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = $1', [`${schema}_typo`])).rows;
  assert.equal(typoSchema.n, 0, 'a mistyped schema is never created');

  // What caviar wrote into the storage: every row of every table, as text.
  const tables = (await sql('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema])).rows.map((r) => String(r.table_name));
  assert.ok(tables.includes('studies') || tables.length >= 4, `caviar's tables in ${schema}: ${tables.join(', ')}`);
  let rows = 0;
  for (const table of tables) {
    for (const row of (await sql(`SELECT to_jsonb(t)::text AS row FROM "${schema}"."${table}" t`)).rows) {
      rows++;
      assert.doesNotMatch(String(row.row), LEAK, `${schema}.${table} holds the password: ${String(row.row).slice(0, 300)}`);
    }
  }
  const studies = new Map((await sql(`SELECT name, data FROM "${schema}".studies`)).rows.map((r) => [String(r.name), JSON.parse(String(r.data))]));
  assert.deepEqual([...studies.keys()].sort(), ['infile', 'secret', 'secret-child', 'secret-child2']);
  const bare = new URL(url);
  bare.password = '';
  // The recorded experiment keeps its storage, as a URL that works with PGPASSWORD or ~/.pgpass.
  assert.equal(studies.get('infile').experiment.tune.storage, bare.toString());
  assert.equal(studies.get('secret-child').experiment.tune.storage, bare.toString());
  assert.ok(rows > 20, `rows looked at: ${rows}`);

  // What caviar wrote into files: trial models (their metadata), the export, the zoom children.
  const files = filesUnder(dir, new Set([inFile]));
  assert.ok(files.some((f) => f.endsWith('.safetensors')) && files.some((f) => f.endsWith('secret-child.yaml')), files.join('\n'));
  for (const file of files) assert.doesNotMatch(readFileSync(file).toString('latin1'), LEAK, `${file} holds the password`);
});

/** Reads the dashboard's first lines until its address shows, then asks it everything a page asks. */
async function dashboardRun(args: string[]): Promise<{ run: Run; answers: string[] }> {
  const child = spawn(process.execPath, ['--import', TSX, CAVIAR, 'dashboard', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const answers: string[] = [];
  try {
    const address = await new Promise<string>((resolve, reject) => {
      const hang = setTimeout(() => reject(new Error(`the dashboard printed no address in ${HANG_MS / 60_000} minutes:\n${stdout}\n${stderr}`)), HANG_MS);
      child.stdout.on('data', (c) => {
        stdout += c;
        const m = /(http:\/\/127\.0\.0\.1:\d+\/)#token=([\w-]+)/.exec(stdout);
        if (m) {
          clearTimeout(hang);
          resolve(m[1]);
        }
      });
      child.on('close', () => reject(new Error(`the dashboard stopped:\n${stdout}\n${stderr}`)));
    });
    const token = /#token=([\w-]+)/.exec(stdout)![1];
    const get = async (path: string) => {
      const res = await fetch(address + path.replace(/^\//, ''), { headers: { [TOKEN_HEADER]: token } });
      const text = await res.text();
      answers.push(`${path} ${res.status} ${text}`);
      return { status: res.status, text };
    };
    const list = await get('/api/studies');
    assert.equal(list.status, 200, list.text);
    const summaries = JSON.parse(list.text) as Array<{ key: string; name: string; storage: string }>;
    const study = summaries.find((s) => s.name === 'shown')!;
    assert.ok(study, list.text);
    assert.match(study.storage, /^postgres:\/\/\w+@127\.0\.0\.1/, 'the page names the storage');
    const detail = await get(`/api/studies/${study.key}`);
    assert.equal(detail.status, 200);
    const trialKey = (JSON.parse(detail.text) as { trials: Array<{ key: string }> }).trials[0].key;
    assert.equal((await get(`/api/trials/${trialKey}`)).status, 200);
    assert.equal((await get(`/api/studies/${study.key.split('-')[0]}-999999`)).status, 404);
    assert.equal((await get('/')).status, 200);
    // The live feed: its first event carries the study's summary (with its storage).
    const controller = new AbortController();
    const events = await fetch(`${address}api/studies/${study.key}/events`, { headers: { [TOKEN_HEADER]: token }, signal: controller.signal });
    const reader = events.body!.getReader();
    let feed = '';
    // 'retry: ...' first, then the trials so far with the study's summary.
    while (!/\ndata: [^\n]*\n\n/.test(feed)) feed += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    answers.push(`events ${feed}`);
    assert.match(feed, /"storage"/, 'the first event names the storage');
  } finally {
    child.kill('SIGINT');
  }
  return { run: { code: await closed, stdout, stderr }, answers };
}

test('caviar dashboard shows no password: not printed, not in its answers, its events or its page', async (t) => {
  if (!requireOrSkip(t, pgAvailable, PG_NOTICE)) return;
  const url = secretUrl({ schema });
  const exp = experiment('shown');
  check(await caviar(['tune', exp, '--storage', url]), 'tune', { code: 0 });
  for (const [args, what] of [[['--storage', url, '--port', '0'], 'text'], [['--storage', queryUrl(), '--port', '0', '--json'], '--json, ?password=']] as const) {
    const { run, answers } = await dashboardRun([...args]);
    check(run, `dashboard (${what})`, { code: 0, says: what === 'text' ? /studies in \S*:\*\*\*@/ : /password=\*\*\*/ });
    assert.ok(answers.length >= 6, answers.join('\n'));
    for (const answer of answers) assert.doesNotMatch(answer, LEAK, `dashboard (${what}) served the password: ${answer.slice(0, 300)}`);
  }
});
