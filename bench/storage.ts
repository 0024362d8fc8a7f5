/**
 * Shared storages under load: trials per second with 1, 2, 4 and 8 worker
 * processes on one study, for caviar on SQLite and on PostgreSQL (durability
 * full, the default, and fast), side by side in the same run with Optuna's
 * RDB storage on the same PostgreSQL server (Debian's python3-optuna and
 * python3-psycopg2; skipped with a notice when absent); then the time to
 * read a 10,000-trial study, whole and incrementally.
 *
 *   npm run bench:storage [-- --trials 400] [--rounds 2] [--workers 1,2,4,8] [--read-trials 10000] [--no-optuna] [--json]
 *
 * About 15 minutes on a busy 2-core machine, most of it Optuna filling its
 * 10,000-trial study (each trial it adds counts the trials before it);
 * `--read-trials 0` skips the read part.
 *
 * The objective is two suggests and nothing else, so what is measured is the
 * tuner and its storage. Each worker is a process that opens the study, says
 * it is ready and waits; all start at once, and a run's rate is its trials
 * divided by the time from the first worker's start to the last one's end
 * (process start-up is not counted). Configurations take turns within each
 * worker count and round, so a noisy machine slows every side alike.
 *
 * PostgreSQL: CAVIAR_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test);
 * caviar works in fresh schemas, Optuna in a database of its own; both are
 * dropped at the end. Target (issue 6): caviar at least 5x Optuna's trials
 * per second at 8 workers.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PostgresStorage } from '../src/tune/storage/postgres.js';
import { SqliteStorage } from '../src/tune/storage/sqlite.js';
import type { Storage } from '../src/tune/storage/storage.js';
import { createStudy } from '../src/tune/study.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const TRIALS = Number(flag('--trials', '400'));
const ROUNDS = Number(flag('--rounds', '2'));
const WORKERS = flag('--workers', '1,2,4,8').split(',').map(Number);
const READ_TRIALS = Number(flag('--read-trials', '10000'));
const PG_URL = process.env.CAVIAR_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const WORKER = fileURLToPath(new URL('./storage-worker.ts', import.meta.url));
const OPTUNA = fileURLToPath(new URL('./optuna_storage.py', import.meta.url));
const tag = `${process.pid}`;

// -- what is there -----------------------------------------------------------

async function admin<T = unknown>(text: string, url = PG_URL): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

const hasPostgres = await admin('SELECT 1').then(() => true, () => false);
if (!hasPostgres) console.log(`PostgreSQL skipped: no server answers at ${PG_URL}`);

function findPython(): string | undefined {
  if (args.includes('--no-optuna')) return undefined;
  // Debian's python3-optuna lives in the system Python, which a pyenv shim may hide.
  for (const python of [process.env.CAVIAR_BENCH_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean) as string[]) {
    if (spawnSync(python, ['-c', 'import optuna, psycopg2'], { encoding: 'utf8' }).status === 0) return python;
  }
  console.log('Optuna skipped: no python3 with optuna and psycopg2 (apt install python3-optuna python3-psycopg2)');
  return undefined;
}
const python = hasPostgres ? findPython() : undefined;
const optunaVersion = python ? spawnSync(python, ['-c', 'import optuna; print(optuna.__version__)'], { encoding: 'utf8' }).stdout.trim() : '';

// -- where each side keeps its studies ---------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'caviar-bench-storage-'));
const schemas: string[] = [];
const optunaDb = `caviar_bench_optuna_${tag}`;
/** SQLAlchemy's URL for Optuna's database on the same server. */
const optunaUrl = (() => {
  const u = new URL(PG_URL);
  return `postgresql+psycopg2://${u.username ? `${u.username}${u.password ? `:${u.password}` : ''}@` : ''}${u.host}/${optunaDb}`;
})();
let studies = 0;

interface Place {
  /** What the workers open. */
  readonly storage: string;
  readonly study: string;
}

interface Side {
  readonly name: string;
  /** A fresh, empty study. */
  create(): Promise<Place>;
  /** The command line of one worker running `n` trials. */
  worker(place: Place, n: number): [string, string[]];
}

function freshSchema(): string {
  const name = `caviar_bench_${tag}_${schemas.length}`;
  schemas.push(name);
  return name;
}

const caviarWorker = (place: Place, n: number): [string, string[]] => [process.execPath, ['--import', 'tsx', WORKER, place.storage, place.study, String(n)]];

const sides: Side[] = [
  {
    name: 'caviar SQLite',
    async create() {
      const storage = `sqlite:${join(dir, `run-${studies++}.db`)}`;
      await (await createStudy({ name: 'bench', storage })).close();
      return { storage, study: 'bench' };
    },
    worker: caviarWorker,
  },
];
if (hasPostgres) {
  for (const durability of ['full', 'fast'] as const) {
    sides.push({
      name: `caviar PostgreSQL (${durability})`,
      async create() {
        const storage = `${PG_URL}?schema=${freshSchema()}&durability=${durability}`;
        await (await createStudy({ name: 'bench', storage })).close();
        return { storage, study: 'bench' };
      },
      worker: caviarWorker,
    });
  }
}
if (python) {
  await admin(`DROP DATABASE IF EXISTS ${optunaDb}`);
  await admin(`CREATE DATABASE ${optunaDb}`);
  sides.push({
    name: `Optuna ${optunaVersion} RDB PostgreSQL`,
    async create() {
      const study = `bench-${studies++}`;
      runPython(['create', optunaUrl, study]);
      return { storage: optunaUrl, study };
    },
    worker: (place, n) => [python, [OPTUNA, 'worker', place.storage, place.study, String(n)]],
  });
}

function runPython(argv: string[]): Record<string, unknown> {
  const r = spawnSync(python!, [OPTUNA, ...argv], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`optuna_storage.py ${argv[0]} failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

// -- one timed run -------------------------------------------------------------

interface Child {
  ready: Promise<void>;
  done: Promise<{ start: number; end: number; ran: number }>;
  go(): void;
}

function startWorker([command, argv]: [string, string[]]): Child {
  const child = spawn(command, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (chunk) => {
    out += chunk;
    if (out.includes('"ready"')) onReady();
  });
  child.stderr.on('data', (chunk) => (err += chunk));
  const done = new Promise<{ start: number; end: number; ran: number }>((resolve, reject) =>
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${command} ${argv.slice(-4).join(' ')} exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!));
    }),
  );
  // A worker that dies before it is ready must not hang the run.
  void done.catch(() => onReady());
  return { ready, done, go: () => child.stdin.end('go\n') };
}

/** Trials per second of `side` with `k` workers sharing `TRIALS` trials. */
async function throughput(side: Side, k: number): Promise<number> {
  const place = await side.create();
  const children = Array.from({ length: k }, () => startWorker(side.worker(place, TRIALS / k)));
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.go();
  const results = await Promise.all(children.map((c) => c.done));
  const start = Math.min(...results.map((r) => r.start));
  const end = Math.max(...results.map((r) => r.end));
  const ran = results.reduce((n, r) => n + r.ran, 0);
  if (ran !== TRIALS) throw new Error(`${side.name}: ${ran} trials ran, expected ${TRIALS}`);
  return (ran / (end - start)) * 1000;
}

// -- reading a big study -----------------------------------------------------

/** Fills a caviar study with `n` complete trials (2 params, 10 intermediate values each), `lanes` at a time. */
async function fillCaviar(storage: Storage, studyId: number, n: number, lanes: number): Promise<void> {
  const dist = { type: 'float', low: -10, high: 10, scale: 'linear' } as const;
  let next = 0;
  await Promise.all(Array.from({ length: lanes }, async () => {
    while (next++ < n) {
      const t = (await storage.claimTrial(studyId, { heartbeat: false }))!;
      const i = t.number;
      const x = ((i * 7919) % 2000) / 100 - 10;
      const y = ((i * 104729) % 2000) / 100 - 10;
      await storage.updateTrial(t.id, {
        params: [{ name: 'x', value: x, distribution: dist }, { name: 'y', value: y, distribution: dist }],
        intermediate: Array.from({ length: 10 }, (_, step) => [step, x * x + y + 10 - step] as [number, number]),
        finish: { state: 'complete', value: x * x + y },
      });
    }
  }));
}

interface ReadTimes {
  fullMs: number;
  incrementalMs: number;
  trials: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Full read by a freshly opened storage (median of 3), then an incremental read after another connection adds a trial. */
async function readCaviar(open: () => Promise<Storage>, n: number): Promise<ReadTimes> {
  const filler = await open();
  const study = await filler.createStudy({ name: 'big', direction: 'minimize' });
  await fillCaviar(filler, study.id, n, filler instanceof PostgresStorage ? 8 : 1);
  const fulls: number[] = [];
  let trials = 0;
  for (let i = 0; i < 3; i++) {
    const reader = await open();
    const t0 = performance.now();
    const page = await reader.trialsSince(study.id, 0);
    fulls.push(performance.now() - t0);
    trials = page.trials.length;
    await reader.close();
  }
  const reader = await open();
  const { cursor } = await reader.trialsSince(study.id, 0);
  await fillCaviar(filler, study.id, 1, 1);
  const t0 = performance.now();
  const page = await reader.trialsSince(study.id, cursor);
  const incrementalMs = performance.now() - t0;
  if (page.trials.length !== 1 || trials !== n) throw new Error(`read ${trials} then ${page.trials.length} trials`);
  await reader.close();
  await filler.close();
  return { fullMs: median(fulls), incrementalMs, trials };
}

/** Creates Optuna's big study and fills it with `n` trials like `fillCaviar`'s, from four processes at once. */
async function fillOptuna(n: number): Promise<void> {
  runPython(['create', optunaUrl, 'big']);
  // Optuna writes one trial per transaction: four processes share the work.
  const lanes = 4;
  await Promise.all(Array.from({ length: lanes }, (_, i) => new Promise<void>((resolve, reject) => {
    const count = Math.floor(n / lanes) + (i < n % lanes ? 1 : 0);
    const child = spawn(python!, [OPTUNA, 'fill', optunaUrl, 'big', String(count)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`optuna_storage.py fill failed: ${err.trim().split('\n').at(-1)}`))));
  })));
}

// -- the run ---------------------------------------------------------------------

const rates = new Map<string, number[]>();
const loads: number[] = [];
const started = Date.now();
try {
  console.log(`${TRIALS} trials per run, workers ${WORKERS.join(', ')}, ${ROUNDS} rounds; sides: ${sides.map((s) => s.name).join(', ')}`);
  for (let round = 0; round < ROUNDS; round++) {
    for (const k of WORKERS) {
      // Take turns, starting with a different side each round.
      const order = sides.map((_, i) => sides[(i + round + k) % sides.length]);
      for (const side of order) {
        loads.push(loadavg()[0]);
        const rate = await throughput(side, k);
        const key = `${side.name}|${k}`;
        rates.set(key, [...(rates.get(key) ?? []), rate]);
        console.log(`round ${round + 1}, ${k} worker${k > 1 ? 's' : ''}, ${side.name}: ${rate.toFixed(0)} trials/s`);
      }
    }
  }

  const reads: Record<string, ReadTimes & { uncachedMs?: number }> = {};
  if (READ_TRIALS > 0) {
    console.log(`\nreading a ${READ_TRIALS}-trial study (2 params and 10 intermediate values per trial; filling Optuna's takes minutes)...`);
    reads['caviar SQLite'] = await readCaviar(async () => SqliteStorage.open(join(dir, 'big.db')), READ_TRIALS);
    if (hasPostgres) {
      const schema = freshSchema();
      reads['caviar PostgreSQL'] = await readCaviar(async () => PostgresStorage.open(PG_URL, { schema, durability: 'fast', poolSize: 8 }), READ_TRIALS);
    }
    if (python) {
      await fillOptuna(READ_TRIALS);
      const r = runPython(['read', optunaUrl, 'big']) as { fullMs: number; uncachedMs: number; incrementalMs: number; trials: number };
      if (r.trials !== READ_TRIALS) throw new Error(`Optuna read ${r.trials} trials, expected ${READ_TRIALS}`);
      reads[`Optuna ${optunaVersion} RDB PostgreSQL`] = r;
    }
  }

  // -- report ------------------------------------------------------------------------
  const fmt = (v: number | undefined): string => (v === undefined ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
  console.log(`\nTrials per second (median of ${ROUNDS} rounds; min-max in brackets), ${TRIALS} trials per run, objective free:\n`);
  console.log(`| storage | ${WORKERS.map((k) => `${k} worker${k > 1 ? 's' : ''}`).join(' | ')} |`);
  console.log(`|---|${WORKERS.map(() => '---:').join('|')}|`);
  for (const side of sides) {
    const cells = WORKERS.map((k) => {
      const xs = rates.get(`${side.name}|${k}`)!;
      return `${fmt(median(xs))}${xs.length > 1 ? ` [${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}]` : ''}`;
    });
    console.log(`| ${side.name} | ${cells.join(' | ')} |`);
  }
  const optunaSide = sides.find((s) => s.name.startsWith('Optuna'));
  if (optunaSide) {
    console.log('');
    for (const side of sides.filter((s) => s !== optunaSide)) {
      const ratios = WORKERS.map((k) => median(rates.get(`${side.name}|${k}`)!) / median(rates.get(`${optunaSide.name}|${k}`)!));
      console.log(`${side.name} / Optuna: ${ratios.map((r, i) => `${WORKERS[i]}w ${r.toFixed(1)}x`).join(', ')}`);
    }
    const k = Math.max(...WORKERS);
    const ours = median(rates.get(`caviar PostgreSQL (full)|${k}`)!);
    const theirs = median(rates.get(`${optunaSide.name}|${k}`)!);
    console.log(`target: caviar PostgreSQL (default, full durability) >= 5x Optuna at ${k} workers: ${(ours / theirs).toFixed(1)}x, ${ours / theirs >= 5 ? 'met' : 'MISSED'}`);
  }
  if (READ_TRIALS > 0) {
    console.log(`\nReading a ${READ_TRIALS}-trial study (ms; a new process's full read, median of 3; then an incremental read after one more trial):\n`);
    console.log('| storage | full read | incremental read | Optuna without its cache |');
    console.log('|---|---:|---:|---:|');
    for (const [name, r] of Object.entries(reads)) console.log(`| ${name} | ${fmt(r.fullMs)} | ${fmt(r.incrementalMs)} | ${fmt(r.uncachedMs)} |`);
  }
  console.log(`\nload average (1 min) at the start of each run: ${fmt(Math.min(...loads))}-${fmt(Math.max(...loads))} on ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} CPUs; ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
  if (args.includes('--json')) {
    console.log(JSON.stringify({ trials: TRIALS, rounds: ROUNDS, rates: Object.fromEntries(rates), reads, loads }));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (hasPostgres && schemas.length) await admin(schemas.map((s) => `DROP SCHEMA IF EXISTS "${s}" CASCADE;`).join('\n'));
  if (python) await admin(`DROP DATABASE IF EXISTS ${optunaDb} WITH (FORCE)`);
}
