// A run whose budget is held by trials another process left running (Ctrl-C
// twice, a kill) waits until their heartbeat is older than the grace period.
// It says so, once, instead of sitting silent for a minute.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { waitingLine } from '../../src/cli/format.js';
import { SqliteStorage } from '../../src/tune/storage/sqlite.js';
import { createStudy, loadStudy } from '../../src/tune/study.js';
import type { FrozenTrial } from '../../src/tune/types.js';

const CAVIAR = fileURLToPath(new URL('./fixtures/caviar.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'caviar-tune-wait-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A trial claimed through a storage of its own and never finished: what a process killed mid-trial leaves. */
async function orphan(file: string, study: string): Promise<number> {
  const storage = await SqliteStorage.open(file);
  try {
    const record = (await storage.getStudy(study))!;
    return (await storage.claimTrial(record.id, { heartbeat: true }))!.number;
  } finally {
    await storage.close();
  }
}

/** A tiny experiment whose budget is one trial, its output in a folder of its name. */
function oneTrialExperiment(name: string): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, [
    `name: ${name}`,
    'data: { source: blobs, classes: 3, perClass: 30, features: 4 }',
    'model: { hidden: [8] }',
    'train: { epochs: 2, batchSize: 16 }',
    `output: ${join(dir, name)}`,
    'tune: { trials: 1, sampler: random, pruner: none }',
  ].join('\n'));
  return path;
}

test('optimize tells onWait once about the other process\'s running trial, fails it after the grace period, and goes on', async () => {
  const file = join(dir, 'library.db');
  // Seconds of grace: this process's own trials must never look stale, however busy the machine.
  const study = await createStudy({ name: 'lib', storage: file, heartbeatMs: 100, graceMs: 3000, maxRetries: 0 });
  const left = await orphan(file, 'lib');
  const told: (readonly FrozenTrial[])[] = [];
  await study.optimize((trial) => trial.suggestFloat('x', 0, 1), { untilComplete: 2, concurrency: 2, onWait: (running) => void told.push(running) });
  assert.deepEqual(told.map((list) => list.map((t) => t.number)), [[left]], 'told once, about the orphan only (not this process\'s own trials)');
  assert.equal(study.trials(['complete']).length, 2);
  assert.equal(study.trials().find((t) => t.number === left)!.state, 'failed');
  await study.close();
});

test('caviar tune says why it waits on a trial left running, and Ctrl-C still ends it with the summary', async () => {
  const path = oneTrialExperiment('wait');
  const first = await main(['tune', path], () => {}, () => {});
  assert.equal(first, 0);
  const file = join(dir, 'wait', 'study.db');
  const left = await orphan(file, 'wait');
  const child = spawn(process.execPath, ['--import', 'tsx', CAVIAR, 'tune', path, '--trials', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let signalled = false;
  child.stderr.on('data', (c) => (stderr += c));
  child.stdout.on('data', (c) => {
    stdout += c;
    if (!signalled && stdout.includes('Waiting on trial')) {
      signalled = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((ok) => child.on('close', ok));
  assert.ok(signalled, `it never said it waits:\n${stdout}\n${stderr}`);
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  assert.ok(stdout.includes(waitingLine([{ number: left }], 60_000)), stdout);
  assert.equal(
    waitingLine([{ number: left }], 60_000),
    `Waiting on trial ${left}, running in another process: the budget counts it. If no other caviar tune or worker runs it any more ` +
      '(a run stopped by Ctrl-C twice, or killed), it is failed 60 s after the last heartbeat and new trials start then.',
  );
  assert.match(stdout, /Best trial: 0/);
  const study = await loadStudy({ name: 'wait', storage: file });
  try {
    assert.equal(study.trials().length, 2, 'nothing new was started while waiting');
  } finally {
    await study.close();
  }
});

test('a trial enqueued after the budget was reached (a fork) is named in the summary with the command that trains it', async () => {
  const path = oneTrialExperiment('fork');
  assert.equal(await main(['tune', path], () => {}, () => {}), 0);
  const study = await loadStudy({ name: 'fork', storage: join(dir, 'fork', 'study.db') });
  const enqueued = await study.enqueue({ learningRate: 0.01 });
  await study.close();
  const lines: string[] = [];
  assert.equal(await main(['tune', path], (l) => lines.push(l), () => {}), 0);
  assert.equal(lines.at(-1)!.split('\n').at(-1), `1 trial (${enqueued.number}) waits to run, enqueued after the budget was taken: 'caviar tune ${path} --trials 2' trains it (or a caviar worker, for a shared study)`);
  const json: string[] = [];
  assert.equal(await main(['tune', path, '--trials', '2', '--json'], (l) => json.push(l), () => {}), 0);
  const done = JSON.parse(json.at(-1)!) as { type: string; waiting: number };
  assert.deepEqual([done.type, done.waiting], ['done', 0]);
  const after = await loadStudy({ name: 'fork', storage: join(dir, 'fork', 'study.db') });
  try {
    const ran = after.trials().find((t) => t.number === enqueued.number)!;
    assert.equal(ran.state, 'complete');
    assert.equal(ran.params.learningRate, 0.01, 'the enqueued trial ran with its own parameters');
  } finally {
    await after.close();
  }
});
