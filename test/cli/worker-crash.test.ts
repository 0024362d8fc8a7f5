// The stress check of `caviar worker` on PostgreSQL under faults: three
// worker processes of two threads each run one study while one of them is
// killed with SIGKILL, the server is restarted, and then crashed (stopped
// `-m immediate`, which with durability=fast loses its last commits) and
// started again. Afterwards every complete trial's value must be exactly the
// objective's function of its recorded parameters, the study must have
// exactly its budget of complete trials, none running, no number twice and no
// trial run twice. Both durability modes.
//
// Restarting the server disturbs every other test using it, so this file runs
// only with CAVIAR_TEST_PG_RESTART=1 (as root, with Debian's pg_ctlcluster;
// cluster CAVIAR_TEST_PG_CLUSTER, default "15 main", at CAVIAR_TEST_POSTGRES_URL),
// as .ci/run does, and skips with a notice otherwise. It always leaves the
// server running.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseExperiment } from '../../src/experiment/spec.js';
import { createStudy, loadStudy } from '../../src/tune/study.js';
import { PG_URL, sqlWhenUp } from '../helpers/postgres.js';
import { expectedValue } from './fixtures/stress-objective.js';

const CAVIAR = fileURLToPath(new URL('./fixtures/caviar.ts', import.meta.url));
const OBJECTIVE = fileURLToPath(new URL('./fixtures/stress-objective.ts', import.meta.url));
const CLUSTER = (process.env.CAVIAR_TEST_PG_CLUSTER ?? '15 main').split(/\s+/);
const enabled = process.env.CAVIAR_TEST_PG_RESTART === '1';
const dir = mkdtempSync(join(tmpdir(), 'caviar-worker-crash-'));
const schemas: string[] = [];

const PROCESSES = 3;
const THREADS = 2;
const BUDGET = 150;
/** Each trial lasts this long (ms), so that every fault lands while trials run. */
const TRIAL_MS = 200;

/** pg_ctlcluster on the test's cluster, without blocking: the workers' output is read meanwhile. */
async function pgctl(...args: string[]): Promise<void> {
  await promisify(execFile)('pg_ctlcluster', ['--skip-systemctl-redirect', ...CLUSTER, ...args]);
}

after(async () => {
  if (enabled) {
    // Whatever happened, the server is left running.
    try {
      execFileSync('pg_isready', ['-h', new URL(PG_URL).hostname, '-p', new URL(PG_URL).port || '5432', '-q']);
    } catch {
      execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', ...CLUSTER, 'start'], { stdio: 'pipe' });
    }
    for (const s of schemas) await sqlWhenUp(`DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => undefined);
  }
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

for (const durability of ['full', 'fast'] as const) {
  test(`caviar worker, durability=${durability}: a worker killed, the server restarted and crashed; every value is f(its params), the budget exact, nothing left running or run twice`, async (t) => {
    if (!enabled) {
      t.skip('skipped: restarts and crashes the PostgreSQL server (disturbing other tests); set CAVIAR_TEST_PG_RESTART=1 to run it');
      return;
    }
    const schema = `caviar_worker_crash_${process.pid}_${durability}`;
    schemas.push(schema);
    const storage = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}&durability=${durability}`;
    const source = join(dir, `${durability}.yaml`);
    const exp = parseExperiment({
      name: 'crash',
      output: join(dir, durability),
      data: { source: 'blobs', classes: 3, perClass: 20, features: 4 },
      tune: { trials: BUDGET, sampler: 'random', pruner: 'none' },
    }, source);
    const created = await createStudy({ name: 'crash', storage, direction: exp.tune!.direction, data: { experiment: exp.raw, source } });
    await created.close();

    const started = Date.now();
    const outs = Array.from({ length: PROCESSES }, () => '');
    const complete = () => outs.reduce((n, o) => n + [...o.matchAll(/^trial +\d+ +complete/gm)].length, 0);
    // The faults, one after the other, each once the workers together have printed that many complete trials.
    const faults: { at: number; what: string; run: () => Promise<void> | void }[] = [
      { at: 10, what: 'SIGKILL worker 0', run: () => void children[0].kill('SIGKILL') },
      { at: 30, what: 'restart', run: () => pgctl('restart') },
      { at: 60, what: 'crash (stop -m immediate) and start', run: async () => {
        await pgctl('stop', '-m', 'immediate');
        await pgctl('start');
      } },
    ];
    const done: string[] = [];
    let faultError: unknown;
    let faulting = false;
    const nextFault = (): void => {
      if (faulting || faults.length === 0 || complete() < faults[0].at) return;
      faulting = true;
      const fault = faults.shift()!;
      const at = `at ${complete()} complete, ${((Date.now() - started) / 1000).toFixed(1)} s`;
      void Promise.resolve()
        .then(fault.run)
        .then(
          () => done.push(`${fault.what} ${at}`),
          (e: unknown) => (faultError ??= e),
        )
        .finally(() => {
          faulting = false;
          nextFault();
        });
    };
    const children: ChildProcess[] = [];
    const runs = outs.map((_, i) => new Promise<Outcome>((resolve) => {
      const child = spawn(process.execPath, [
        '--import', 'tsx', CAVIAR, 'worker', '--storage', storage, '--study', 'crash',
        '--workers', String(THREADS), '--grace', '5s', '--max-retries', '3', '--objective', OBJECTIVE,
      ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CAVIAR_STRESS_SLEEP_MS: String(TRIAL_MS) } });
      children.push(child);
      let stderr = '';
      child.stderr!.on('data', (c) => { stderr += c; });
      child.stdout!.on('data', (c) => {
        outs[i] += c;
        nextFault();
      });
      child.on('close', (code, signal) => resolve({ code, signal, stdout: outs[i], stderr }));
    }));
    const results = await Promise.all(runs);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(faultError, undefined, `pg_ctlcluster failed: ${String((faultError as Error)?.message)}`);
    assert.equal(done.length, 3, `every fault happened: ${done.join('; ')}`);
    assert.equal(results[0].signal, 'SIGKILL');
    for (const r of results.slice(1)) {
      assert.equal(r.code, 0, `a worker that was not killed finishes cleanly\n${r.stdout.slice(-3000)}\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /Error|at .*\.ts:\d+/, 'no error or stack trace');
    }

    await sqlWhenUp('SELECT 1');
    const study = await loadStudy({ name: 'crash', storage });
    try {
      const all = study.trials();
      const count = (state: string) => all.filter((x) => x.state === state).length;
      const completeTrials = study.trials(['complete']);
      assert.equal(completeTrials.length, BUDGET, 'exactly the budget of complete trials');
      assert.deepEqual([count('running'), count('waiting')], [0, 0], 'no trial left running or waiting');
      assert.deepEqual(all.map((x) => x.number), all.map((_, i) => i), 'numbers 0..n-1, each once');
      for (const x of completeTrials) {
        assert.deepEqual(Object.keys(x.params).sort(), ['act', 'lr', 'momentum', 'units'], `trial ${x.number} has all its parameters`);
        assert.equal(x.value, expectedValue(x.params), `trial ${x.number}: its value is f(its recorded params)`);
        assert.deepEqual([...x.intermediate], [[0, expectedValue(x.params) + 1]], `trial ${x.number}: its report`);
      }
      const params = completeTrials.map((x) => JSON.stringify(x.params));
      assert.equal(new Set(params).size, params.length, 'no trial ran twice to completion');
      for (const x of study.trials(['failed'])) {
        assert.match(String(x.systemAttrs.failReason), /^no heartbeat for \d+ ms/, `trial ${x.number} failed only because its runner stopped`);
      }
      const warnings = results.flatMap((r) => r.stdout.match(/^warning: .*/gm) ?? []);
      const lost = warnings.filter((w) => / was lost /.test(w)).length;
      for (const w of warnings.filter((x) => / was lost /.test(x))) {
        // One line per lost trial, saying what happened to it; the worker went on (exit 0 above).
        assert.match(w, /^warning: study "crash": trial \d+ was lost \((no trial with id \d+|trial id \d+ .* is no longer the trial this process claimed).*\); its (value \S+|result \(\w+\)) is dropped and the study goes on$/);
      }
      const retries = all.filter((x) => x.systemAttrs.retryOf !== undefined).length;
      // The figures docs/BENCHMARKS.md reports.
      console.log(
        `durability=${durability}: ${PROCESSES} processes x ${THREADS} threads, ${BUDGET} complete of ${all.length} trials ` +
          `(${count('failed')} failed by the heartbeat rule, ${retries} retries, ${lost} lost in the crash, ${warnings.length - lost} other warnings) ` +
          `in ${seconds.toFixed(1)} s; faults: ${done.join('; ')}`,
      );
    } finally {
      await study.close();
    }
  });
}
