// What a study does when its database loses commits in a crash (PostgreSQL
// with durability=fast), simulated on an SQLite study file by rolling rows
// back with plain SQL behind the study's back: a trial whose claim vanished,
// or whose id another trial now holds, is dropped with one warning and the
// study goes on; a trial whose earlier writes vanished is written whole with
// its result; a reader whose cursor counted vanished versions reads again.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createStudy, loadStudy } from '../../src/tune/study.js';
import { TestSampler } from './study-sampler.js';

const dir = mkdtempSync(join(tmpdir(), 'caviar-study-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** A study in a fresh file, its warnings collected, and a raw connection to roll its rows back with. */
async function studyWithWarnings(options: { heartbeatMs?: number; graceMs?: number } = {}) {
  const path = join(dir, `crash-${files++}.db`);
  const warnings: string[] = [];
  const study = await createStudy({ name: 's', storage: path, sampler: new TestSampler(3), onWarning: (m) => warnings.push(m), ...options });
  const raw = new Database(path);
  raw.pragma('busy_timeout = 2000');
  return { study, warnings, raw, path };
}

test('a trial whose claim the database lost is dropped with one warning, kept out of the study, and the study goes on', async () => {
  const { study, warnings, raw } = await studyWithWarnings();
  const trial = await study.ask();
  trial.suggestFloat('x', 0, 1);
  await study.refresh();
  raw.prepare('DELETE FROM trials WHERE id = ?').run(trial.id);
  const told = await study.tell(trial, 0.5);
  assert.equal(told.state, 'failed');
  assert.equal(told.systemAttrs.lost, true);
  assert.match(String(told.systemAttrs.failReason), /^lost: no trial with id \d+ in sqlite:/);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^study "s": trial 0 was lost \(no trial with id \d+ in sqlite:.*\); its value 0\.5 is dropped and the study goes on$/);
  assert.deepEqual(study.trials(), [], 'not among the study\'s trials');
  await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3 });
  assert.deepEqual(study.trials().map((t) => [t.number, t.state]), [[0, 'complete'], [1, 'complete'], [2, 'complete']]);
  assert.equal(warnings.length, 1);
  raw.close();
  await study.close();
});

test('a trial whose id the database gave to another trial after a crash is lost: nothing of it lands on the other trial', async () => {
  const { study, warnings, raw } = await studyWithWarnings();
  const trial = await study.ask();
  trial.suggestFloat('x', 0, 1);
  await study.refresh();
  // The crash rolled the claim back; another process's claim then got the same id and number.
  raw.prepare('DELETE FROM trials WHERE id = ?').run(trial.id);
  raw.prepare(`INSERT INTO trials (id, study_id, number, state, params, distributions, user_attrs, system_attrs, started_at, heartbeat_at, version, claim_key)
    VALUES (?, 1, 0, 'running', '{}', '{}', '{}', '{}', 1, 1, 99, 'another process')`).run(trial.id);
  trial.report(0.25, 0);
  const told = await study.tell(trial, 0.75);
  assert.equal(told.systemAttrs.lost, true);
  assert.match(warnings[0], /trial 0 was lost \(trial id \d+ in sqlite:.* is no longer the trial this process claimed: the database lost that claim .*\); its value 0\.75 is dropped/);
  const other = raw.prepare('SELECT state, value, params FROM trials WHERE id = ?').get(trial.id);
  assert.deepEqual(other, { state: 'running', value: null, params: '{}' }, 'the other trial is as its own process left it');
  assert.deepEqual(raw.prepare('SELECT count(*) AS n FROM trial_values').get(), { n: 0 });
  raw.close();
  await study.close();
});

test('a heartbeat that finds its trial lost stops the trial at its next call', async () => {
  const { study, warnings, raw } = await studyWithWarnings({ heartbeatMs: 20, graceMs: 60_000 });
  const trial = await study.ask();
  trial.suggestFloat('x', 0, 1);
  await study.refresh();
  raw.prepare('DELETE FROM trials WHERE id = ?').run(trial.id);
  const deadline = Date.now() + 60_000;
  while (trial.lost === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.throws(() => trial.suggestFloat('y', 0, 1), /trial 0, suggest\("y"\): the trial was lost, its result will be dropped: no trial with id/);
  assert.equal((await study.tell(trial, 1)).systemAttrs.lost, true);
  assert.equal(warnings.length, 1);
  raw.close();
  await study.close();
});

test('the final write carries the whole trial, so writes a crash rolled back are written again with the result', async () => {
  const { study, raw } = await studyWithWarnings();
  const trial = await study.ask();
  const x = trial.suggestFloat('x', 0, 1);
  const units = trial.suggestInt('units', 8, 64);
  trial.report(3, 0);
  trial.setUserAttr('note', { kept: [1, 2] });
  await study.refresh();
  await new Promise((r) => setImmediate(r));
  const row = () => raw.prepare('SELECT params, user_attrs FROM trials WHERE id = ?').get(trial.id) as { params: string; user_attrs: string };
  assert.deepEqual(JSON.parse(row().params), { x, units }, 'flushed while it ran');
  // The crash lost those writes: the trial is back to how it was claimed.
  raw.prepare("UPDATE trials SET params = '{}', distributions = '{}', user_attrs = '{}' WHERE id = ?").run(trial.id);
  raw.prepare('DELETE FROM trial_values WHERE trial_id = ?').run(trial.id);
  trial.report(2, 1);
  const told = await study.tell(trial, 1.5);
  assert.equal(told.state, 'complete');
  assert.deepEqual(told.params, { x, units });
  assert.deepEqual([...told.intermediate], [[0, 3], [1, 2]]);
  assert.deepEqual(told.userAttrs, { note: { kept: [1, 2] } });
  assert.deepEqual(Object.keys(told.distributions).sort(), ['units', 'x']);
  raw.close();
  await study.close();
});

test('a reader whose cursor counted versions that were rolled back reads the study again and drops what vanished', async () => {
  const { study, raw, path } = await studyWithWarnings();
  await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3 });
  const reader = await loadStudy({ name: 's', storage: path, sampler: new TestSampler(4) });
  assert.deepEqual(reader.trials().map((t) => t.number), [0, 1, 2]);
  // Trial 2's claim and result were the commits a crash lost.
  const { version } = raw.prepare('SELECT version FROM trials WHERE number = 1').get() as { version: number };
  raw.prepare('DELETE FROM trials WHERE number = 2').run();
  raw.prepare('UPDATE studies SET version = ?').run(version);
  await reader.refresh();
  assert.deepEqual(reader.trials().map((t) => t.number), [0, 1], 'the vanished trial is gone from the reader');
  assert.ok(reader.bestTrial.number < 2, 'the best trial is one that exists');
  await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 2 });
  await reader.refresh();
  assert.deepEqual(reader.trials().map((t) => [t.number, t.state]), [[0, 'complete'], [1, 'complete'], [2, 'complete'], [3, 'complete']]);
  raw.close();
  await reader.close();
  await study.close();
});
