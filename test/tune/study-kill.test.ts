// The acceptance test for crashes: SIGKILL the process running a SQLite
// study in the middle of a trial, start it again, and nothing finished is lost.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStorage } from '../../src/tune/storage/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'caviar-kill-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const script = fileURLToPath(new URL('./fixtures-study/kill-run.ts', import.meta.url));

/** Starts the study process; `lines` fills as it prints. */
function run(path: string, wanted: number): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', script, path, String(wanted)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buffered = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    buffered += d;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(stderr);
      resolve(code);
    }),
  );
  return { child, lines, exited };
}

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('SIGKILL in the middle of a trial: finished trials survive, the killed one fails after the grace period and is retried', { timeout: 10 * 60_000 }, async () => {
  const path = join(dir, 'kill.db');
  const wanted = 5;

  // 1. Run until two trials are complete and a third has started, then kill -9.
  const first = run(path, wanted);
  await until('two complete trials and a third started', () => first.lines.includes('complete 1') && first.lines.includes('start 2'), 5 * 60_000);
  first.child.kill('SIGKILL');
  assert.equal(await first.exited, null);

  const storage = await SqliteStorage.open(path);
  const study = (await storage.getStudy('kill'))!;
  const before = (await storage.trialsSince(study.id, 0)).trials;
  const completeBefore = before.filter((t) => t.state === 'complete');
  assert.deepEqual(completeBefore.map((t) => t.number), [0, 1]);
  const killed = before.find((t) => t.number === 2)!;
  assert.equal(killed.state, 'running', 'the killed trial is still marked running');
  assert.equal(typeof killed.params.x, 'number', 'its params were written before the kill');

  // 2. Start again: it continues to the requested number of complete trials.
  const second = run(path, wanted);
  assert.equal(await second.exited, 0);
  assert.equal(second.lines.at(-1), 'finished');

  const after = (await storage.trialsSince(study.id, 0)).trials;
  for (const t of completeBefore) assert.deepEqual(after.find((u) => u.number === t.number), t, `trial ${t.number} is unchanged`);
  const dead = after.find((t) => t.number === 2)!;
  assert.equal(dead.state, 'failed');
  assert.match(String(dead.systemAttrs.failReason), /no heartbeat for \d+ ms \(grace period 1500 ms\)/);
  const retry = after.find((t) => t.systemAttrs.retryOf === 2)!;
  assert.ok(retry, 'the killed trial was retried');
  assert.equal(retry.state, 'complete');
  assert.equal(retry.params.x, killed.params.x, 'the retry re-ran the same parameters');
  assert.equal(dead.systemAttrs.retriedBy, retry.number);
  assert.equal(after.filter((t) => t.state === 'complete').length, wanted);
  assert.equal(after.filter((t) => t.state === 'running').length, 0);
  await storage.close();
});
