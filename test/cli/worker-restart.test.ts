// PostgreSQL restarts while two `caviar worker` processes run one study: they
// pause, reconnect and finish; no trial is lost or run twice. Restarting the
// server disturbs every other test using it, so this file runs only with
// CAVIAR_TEST_PG_RESTART=1 (as root, with Debian's pg_ctlcluster; cluster
// CAVIAR_TEST_PG_CLUSTER, default "15 main"), and skips with a notice otherwise.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseExperiment } from '../../src/experiment/spec.js';
import { createStudy, loadStudy } from '../../src/tune/study.js';
import { PG_URL, sqlWhenUp } from '../helpers/postgres.js';

const CAVIAR = fileURLToPath(new URL('./fixtures/caviar.ts', import.meta.url));
const CLUSTER = (process.env.CAVIAR_TEST_PG_CLUSTER ?? '15 main').split(/\s+/);
const enabled = process.env.CAVIAR_TEST_PG_RESTART === '1';
const schema = `caviar_worker_restart_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'caviar-worker-restart-'));

after(async () => {
  if (enabled) await sqlWhenUp(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

test('caviar worker: a PostgreSQL restart mid-run pauses two workers; they reconnect and finish, nothing lost or duplicated', async (t) => {
  if (!enabled) {
    t.skip('skipped: restarts the PostgreSQL server (disturbing other tests); set CAVIAR_TEST_PG_RESTART=1 to run it');
    return;
  }
  const storage = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
  const budget = 30;
  const source = join(dir, 'exp.yaml');
  const exp = parseExperiment({
    name: 'restart',
    output: join(dir, 'out'),
    data: { source: 'blobs', classes: 3, perClass: 400, features: 8 },
    model: { hidden: [64] },
    train: { epochs: 4, batchSize: 32 },
    tune: { trials: budget, sampler: 'random', pruner: 'none' },
  }, source);
  const created = await createStudy({ name: 'restart', storage, direction: exp.tune!.direction, data: { experiment: exp.raw, source } });
  await created.close();

  let restarted = false;
  let restartError: unknown;
  const completeLines = () => outs.reduce((n, o) => n + [...o.matchAll(/^trial +\d+ +complete/gm)].length, 0);
  const outs = ['', ''];
  const runs = outs.map((_, i) => new Promise<{ code: number | null; stdout: string; stderr: string }>((ok) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CAVIAR, 'worker', '--storage', storage, '--study', 'restart', '--grace', '10s'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => { stderr += c; });
    child.stdout.on('data', (c) => {
      outs[i] += c;
      if (!restarted && completeLines() >= 6) {
        restarted = true;
        try {
          execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', ...CLUSTER, 'restart'], { stdio: 'pipe' });
        } catch (e) {
          restartError = e;
        }
      }
    });
    child.on('close', (code) => ok({ code, stdout: outs[i], stderr }));
  }));
  const results = await Promise.all(runs);
  assert.ok(restarted, 'the server was restarted mid-run');
  assert.equal(restartError, undefined, `pg_ctlcluster failed: ${String((restartError as Error)?.message)}`);
  for (const r of results) assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.ok(completeLines() >= budget - 1, 'the workers went on after the restart');

  await sqlWhenUp('SELECT 1');
  const study = await loadStudy({ name: 'restart', storage });
  try {
    assert.equal(study.trials(['complete']).length, budget, 'exactly the budget of complete trials');
    assert.deepEqual(study.trials(['running']), [], 'no trial left running');
    const numbers = study.trials().map((x) => x.number);
    assert.equal(new Set(numbers).size, numbers.length, 'no trial number twice');
    const params = study.trials(['complete']).map((x) => JSON.stringify(x.params));
    assert.equal(new Set(params).size, params.length, 'no trial run twice');
  } finally {
    await study.close();
  }
});
