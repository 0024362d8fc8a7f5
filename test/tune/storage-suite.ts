/**
 * The one test suite every Storage passes: memory, SQLite, and later
 * PostgreSQL. A storage's test file calls `storageSuite` with a harness that
 * opens fresh, empty storages and cleans them up.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import {
  DistributionConflictError,
  DuplicateStudyError,
  InvalidWriteError,
  RecordNotFoundError,
  StudyNotFoundError,
  TrialFinishedError,
  TrialLostError,
  TrialNotFoundError,
} from '../../src/tune/storage/errors.js';
import type { NewCheckpoint, NewCommand, Storage } from '../../src/tune/storage/storage.js';
import type { Distribution } from '../../src/tune/types.js';

/**
 * What a study written by schema version 2 (the previous release) must give
 * once its storage has migrated it to version 3: study 'v2' with trial 0
 * complete (lr 0.1, a checkpoint of bytes 1, 2) and trial 1 running with a
 * pending pause. Returns the cursor of the first full read.
 */
export async function checkMigratedFromV2(s: Storage): Promise<number> {
  const st = (await s.getStudy('v2'))!;
  const { trials, cursor } = await s.trialsSince(st.id, 0);
  assert.deepEqual(trials.map((t) => [t.number, t.state, t.value, t.params]), [[0, 'complete', 0.5, { lr: 0.1 }], [1, 'running', undefined, {}]]);
  assert.equal(cursor, 3, 'the study row\'s version 3, as written');
  // A trial running from before the upgrade holds no claim key: a keyed write is refused, a plain one lands.
  await assert.rejects(s.updateTrial(trials[1].id, { claimKey: 'k', heartbeat: true }), TrialLostError);
  assert.deepEqual((await s.takeCommands(trials[1].id)).map((c) => c.kind), ['pause']);
  await s.updateTrial(trials[1].id, { finish: { state: 'complete', value: 0.25 } });
  assert.deepEqual(Array.from((await s.loadCheckpoint((await s.listCheckpoints(trials[0].id))[0].id)).data), [1, 2]);
  // Keys work on the migrated schema: the same claim or command sent again is the first one.
  const k = (await s.claimTrial(st.id, { key: 'after' }))!;
  assert.equal((await s.claimTrial(st.id, { key: 'after' }))!.id, k.id);
  const c = await s.sendCommand(k.id, { kind: 'pause', key: 'p' });
  assert.equal((await s.sendCommand(k.id, { kind: 'pause', key: 'p' })).id, c.id);
  return cursor;
}

export interface StorageHarness {
  /** A fresh, empty storage whose timestamps come from `clock` (Date.now when absent). */
  open(options?: { clock?: () => number }): Promise<Storage>;
  /**
   * A second connection to the same data as `storage`, as another process
   * would have (the same object for memory), with its own clock.
   */
  reopen(storage: Storage, options?: { clock?: () => number }): Promise<Storage>;
  /** Removes everything the harness created. */
  cleanup(): Promise<void>;
}

const LR = { type: 'float', low: 1e-4, high: 1, scale: 'log' } as const satisfies Distribution;
const UNITS: Distribution = { type: 'int', low: 50, high: 100, step: 1, scale: 'linear' };
const ACT: Distribution = { type: 'categorical', choices: ['relu', 'tanh', null] };

/** A clock the test moves by hand. */
function fakeClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

export function storageSuite(kind: string, harness: StorageHarness): void {
  describe(`${kind} storage`, () => {
    after(() => harness.cleanup());

    test('claimTrial with finishing: the previous trial is told and the next claimed in one call, in version order', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'fin', direction: 'minimize' });
      const lr = { type: 'float' as const, low: 1e-4, high: 1, scale: 'log' as const };
      const a = (await s.claimTrial(st.id))!;
      const { cursor } = await s.trialsSince(st.id, 0);
      const b = (await s.claimTrial(st.id, {
        finishing: { trialId: a.id, update: { params: [{ name: 'lr', value: 0.01, distribution: lr }], intermediate: [[1, 0.5]], finish: { state: 'complete', value: 0.25 } } },
      }))!;
      assert.equal(b.number, 1);
      const done = await s.getTrial(a.id);
      assert.equal(done.state, 'complete');
      assert.equal(done.value, 0.25);
      assert.deepEqual(done.params, { lr: 0.01 });
      assert.deepEqual([...done.intermediate], [[1, 0.5]]);
      // A reader that had seen only the first claim sees both changes, the finish before the new trial.
      const page = await s.trialsSince(st.id, cursor);
      assert.deepEqual(page.trials.map((t) => [t.number, t.state]), [[0, 'complete'], [1, 'running']]);
      // With the budget reached the finish still lands and nothing is claimed.
      assert.equal(await s.claimTrial(st.id, { finishing: { trialId: b.id, update: { finish: { state: 'complete', value: 1 } } }, maxCompleteOrRunning: 2 }), undefined);
      assert.equal((await s.getTrial(b.id)).state, 'complete');
      // A refused finish claims nothing.
      await assert.rejects(s.claimTrial(st.id, { finishing: { trialId: a.id, update: { finish: { state: 'complete', value: 3 } } } }), TrialFinishedError);
      assert.equal((await s.trialsSince(st.id, 0)).trials.length, 2);
      await s.close();
    });

    test('creates, finds, lists, updates and deletes studies', async () => {
      const s = await harness.open();
      const a = await s.createStudy({ name: 'a', direction: 'minimize', userAttrs: { owner: 'me' }, data: { yaml: 'x: 1' } });
      const b = await s.createStudy({ name: 'b', direction: 'maximize' });
      assert.notEqual(a.id, b.id);
      assert.deepEqual((await s.getStudy('a'))?.userAttrs, { owner: 'me' });
      assert.deepEqual((await s.getStudy('a'))?.data, { yaml: 'x: 1' });
      assert.equal((await s.getStudy('b'))?.data, null);
      assert.equal((await s.getStudy('b'))?.direction, 'maximize');
      assert.equal(await s.getStudy('nope'), undefined);
      assert.deepEqual((await s.listStudies()).map((x) => x.name), ['a', 'b']);
      await assert.rejects(s.createStudy({ name: 'a', direction: 'minimize' }), DuplicateStudyError);
      await assert.rejects(s.createStudy({ name: 'c', direction: 'sideways' as never }), /direction/);

      await s.updateStudy(a.id, { userAttrs: { goal: 1 }, systemAttrs: { regions: [[0, 1]] } });
      const a2 = await s.getStudy('a');
      assert.deepEqual(a2?.userAttrs, { owner: 'me', goal: 1 });
      assert.deepEqual(a2?.systemAttrs, { regions: [[0, 1]] });
      assert.deepEqual(a2?.data, { yaml: 'x: 1' }, 'data is kept when the update does not name it');
      await assert.rejects(s.updateStudy(a.id, { userAttrs: { f: () => 1 } }), InvalidWriteError);

      await s.claimTrial(a.id);
      await s.deleteStudy('a');
      assert.equal(await s.getStudy('a'), undefined);
      await assert.rejects(s.deleteStudy('a'), StudyNotFoundError);
      await assert.rejects(s.claimTrial(a.id), StudyNotFoundError);
      await s.close();
    });

    test('claims number trials 0, 1, 2 per study and mark them running', async () => {
      const s = await harness.open();
      const a = await s.createStudy({ name: 'a', direction: 'minimize' });
      const b = await s.createStudy({ name: 'b', direction: 'minimize' });
      const t0 = await s.claimTrial(a.id);
      const t1 = await s.claimTrial(a.id);
      const u0 = await s.claimTrial(b.id);
      assert.deepEqual([t0?.number, t1?.number, u0?.number], [0, 1, 0]);
      assert.equal(new Set([t0?.id, t1?.id, u0?.id]).size, 3, 'ids are unique across studies');
      assert.equal(t0?.state, 'running');
      assert.equal(typeof t0?.startedAt, 'number');
      assert.deepEqual(await s.getTrial(t1!.id), t1);
      await assert.rejects(s.getTrial(987654), TrialNotFoundError);
      await s.close();
    });

    test('enqueued trials are claimed first, in order, with their fixed params', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'q', direction: 'minimize' });
      await s.claimTrial(st.id);
      const w1 = await s.enqueueTrial(st.id, { params: { lr: 0.1 }, userAttrs: { why: 'baseline' } });
      const w2 = await s.enqueueTrial(st.id, { params: { lr: 0.01 } });
      assert.equal(w1.state, 'waiting');
      assert.deepEqual([w1.number, w2.number], [1, 2]);
      const c1 = await s.claimTrial(st.id);
      const c2 = await s.claimTrial(st.id);
      const c3 = await s.claimTrial(st.id);
      assert.deepEqual([c1?.number, c2?.number, c3?.number], [1, 2, 3]);
      assert.equal(c1?.state, 'running');
      assert.deepEqual(c1?.systemAttrs.fixedParams, { lr: 0.1 });
      assert.deepEqual(c1?.userAttrs, { why: 'baseline' });
      assert.equal(c3?.systemAttrs.fixedParams, undefined);
      await s.close();
    });

    test('params round-trip with their distributions; conflicts are refused and change nothing', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'p', direction: 'minimize' });
      const t = (await s.claimTrial(st.id))!;
      await s.updateTrial(t.id, {
        params: [
          { name: 'lr', value: 0.003, distribution: LR },
          { name: 'units', value: 64, distribution: UNITS },
          { name: 'act', value: null, distribution: ACT },
        ],
      });
      const got = await s.getTrial(t.id);
      assert.deepEqual(got.params, { lr: 0.003, units: 64, act: null });
      assert.deepEqual(got.distributions, { lr: LR, units: UNITS, act: ACT });
      // The same value again is harmless; another value is not.
      await s.updateTrial(t.id, { params: [{ name: 'lr', value: 0.003, distribution: LR }] });
      await assert.rejects(s.updateTrial(t.id, { params: [{ name: 'lr', value: 0.5, distribution: LR }] }), /already/);

      const u = (await s.claimTrial(st.id))!;
      // A narrower range is fine (coarse-to-fine does this)...
      await s.updateTrial(u.id, { params: [{ name: 'lr', value: 0.01, distribution: { ...LR, low: 1e-3 } }] });
      // ...another scale, type or set of choices is not, and the whole batch is refused.
      const bad = s.updateTrial(u.id, {
        params: [
          { name: 'units', value: 70, distribution: UNITS },
          { name: 'act', value: 'relu', distribution: { type: 'categorical', choices: ['relu', 'tanh'] } },
        ],
        intermediate: [[0, 1]],
      });
      await assert.rejects(bad, DistributionConflictError);
      await assert.rejects(
        s.updateTrial(u.id, { params: [{ name: 'units', value: 0.5, distribution: { type: 'float', low: 0, high: 1, scale: 'linear' } }] }),
        (e: Error) => e instanceof DistributionConflictError && /units/.test(e.message) && /trial 1/.test(e.message),
      );
      const after = await s.getTrial(u.id);
      assert.deepEqual(after.params, { lr: 0.01 }, 'a refused batch leaves no trace');
      assert.equal(after.intermediate.size, 0);
      await assert.rejects(
        s.updateTrial(u.id, { params: [{ name: 'act', value: 'gelu', distribution: ACT }] }),
        (e: Error) => e instanceof InvalidWriteError && /gelu/.test(e.message),
      );
      await assert.rejects(
        s.updateTrial(u.id, { params: [{ name: 'units', value: 7.5, distribution: UNITS }] }),
        InvalidWriteError,
      );
      await assert.rejects(
        s.updateTrial(u.id, { params: [{ name: 'x', value: 1, distribution: { type: 'float', low: 0, high: 1, scale: 'log' } }] }),
        /parameter "x": low: .*log scale/,
      );
      await s.close();
    });

    test('intermediate values: a repeated step keeps its first value; NaN survives', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'iv', direction: 'minimize' });
      const t = (await s.claimTrial(st.id))!;
      await s.updateTrial(t.id, { intermediate: [[0, 1.5], [1, 1.25], [1, 99]] });
      await s.updateTrial(t.id, { intermediate: [[0, 42], [2, NaN], [10, -Infinity]] });
      const got = await s.getTrial(t.id);
      assert.deepEqual([...got.intermediate.entries()].sort((x, y) => x[0] - y[0]), [
        [0, 1.5],
        [1, 1.25],
        [2, NaN],
        [10, -Infinity],
      ]);
      await assert.rejects(s.updateTrial(t.id, { intermediate: [[-1, 0]] }), InvalidWriteError);
      await assert.rejects(s.updateTrial(t.id, { intermediate: [[0.5, 0]] }), InvalidWriteError);
      await s.close();
    });

    test('finishing: complete, pruned, failed; a finished trial never changes again', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'f', direction: 'minimize' });
      const c = (await s.claimTrial(st.id))!;
      await assert.rejects(s.updateTrial(c.id, { finish: { state: 'complete', value: NaN } }), InvalidWriteError);
      await assert.rejects(s.updateTrial(c.id, { finish: { state: 'complete', value: Infinity } }), InvalidWriteError);
      await s.updateTrial(c.id, { userAttrs: { note: 'ok' }, finish: { state: 'complete', value: 0.25 } });
      const cf = await s.getTrial(c.id);
      assert.equal(cf.state, 'complete');
      assert.equal(cf.value, 0.25);
      assert.equal(typeof cf.completedAt, 'number');
      assert.deepEqual(cf.userAttrs, { note: 'ok' });
      for (const update of [
        { finish: { state: 'failed', reason: 'late' } } as const,
        { finish: { state: 'complete', value: 1 } } as const,
        { params: [{ name: 'lr', value: 0.1, distribution: LR }] },
        { intermediate: [[5, 1]] as [number, number][] },
      ]) {
        await assert.rejects(s.updateTrial(c.id, update), TrialFinishedError);
      }
      assert.deepEqual(await s.getTrial(c.id), cf);

      const p = (await s.claimTrial(st.id))!;
      await s.updateTrial(p.id, { intermediate: [[0, 3], [1, 2]] });
      await s.updateTrial(p.id, { finish: { state: 'pruned', value: 2 } });
      const pf = await s.getTrial(p.id);
      assert.equal(pf.state, 'pruned');
      assert.equal(pf.value, 2);
      assert.equal(pf.intermediate.size, 2, 'a pruned trial keeps its intermediate values');

      const f = (await s.claimTrial(st.id))!;
      await s.updateTrial(f.id, { finish: { state: 'failed', reason: 'objective threw: boom' } });
      const ff = await s.getTrial(f.id);
      assert.equal(ff.state, 'failed');
      assert.equal(ff.value, undefined);
      assert.equal(ff.systemAttrs.failReason, 'objective threw: boom');
      assert.equal(ff.systemAttrs.retryable, undefined);

      const w = await s.enqueueTrial(st.id, { params: {} });
      await assert.rejects(s.updateTrial(w.id, { finish: { state: 'complete', value: 1 } }), TrialFinishedError);
      await s.close();
    });

    test('attributes must be JSON and are merged', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'at', direction: 'minimize' });
      const t = (await s.claimTrial(st.id))!;
      await s.updateTrial(t.id, { userAttrs: { a: 1, nested: { b: [1, 2] } } });
      await s.updateTrial(t.id, { userAttrs: { a: 2 }, systemAttrs: { worker: 'w1' } });
      const got = await s.getTrial(t.id);
      assert.deepEqual(got.userAttrs, { a: 2, nested: { b: [1, 2] } });
      assert.deepEqual(got.systemAttrs, { worker: 'w1' });
      await assert.rejects(s.updateTrial(t.id, { userAttrs: { big: 1n } }), InvalidWriteError);
      await assert.rejects(s.updateTrial(t.id, { userAttrs: { u: undefined } }), InvalidWriteError);
      await s.close();
    });

    test('strings of every kind round-trip: quotes, backslashes, $1, newlines, emoji; numbers keep every digit', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: "it's \\ $1", direction: 'minimize' });
      const t = (await s.claimTrial(st.id))!;
      const nasty = `'; DROP TABLE trials; -- \\' \\\\ $1 $2 \n\t "q" é 🐟 \u2028`;
      const choices = [nasty, "o'k", 'back\\slash'];
      await s.updateTrial(t.id, {
        params: [
          { name: nasty, value: nasty, distribution: { type: 'categorical', choices } },
          { name: 'tiny', value: 5e-324, distribution: { type: 'float', low: 0, high: 1, scale: 'linear' } },
          { name: 'third', value: 1 / 3, distribution: { type: 'float', low: 0, high: 1, scale: 'linear' } },
        ],
        intermediate: [[0, 0.1 + 0.2], [1, -1e308], [2, NaN], [3, Infinity]],
        userAttrs: { [nasty]: nasty, n: [1e21, -0.5, 123456789.123456789] },
        finish: { state: 'complete', value: 2 ** 53 - 1 },
      });
      const got = await s.getTrial(t.id);
      assert.deepEqual(got.params, { [nasty]: nasty, tiny: 5e-324, third: 1 / 3 });
      assert.deepEqual([...got.intermediate.entries()].sort((a, b) => a[0] - b[0]), [[0, 0.1 + 0.2], [1, -1e308], [2, NaN], [3, Infinity]]);
      assert.deepEqual(got.userAttrs, { [nasty]: nasty, n: [1e21, -0.5, 123456789.123456789] });
      assert.equal(got.value, 2 ** 53 - 1);
      assert.equal((await s.getStudy("it's \\ $1"))?.id, st.id);
      const { trials } = await s.trialsSince(st.id, 0);
      assert.deepEqual(trials[0].params, got.params);
      await s.close();
    });

    test('trialsSince returns only what changed after the cursor', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'v', direction: 'minimize' });
      const t0 = (await s.claimTrial(st.id))!;
      const t1 = (await s.claimTrial(st.id))!;
      await s.updateTrial(t0.id, { intermediate: [[0, 1]] });
      const all = await s.trialsSince(st.id, 0);
      assert.deepEqual(all.trials.map((t) => t.number), [0, 1]);
      assert.equal(all.trials[0].intermediate.get(0), 1);
      assert.equal(all.study?.name, undefined, 'no study record: its attributes never changed');

      const none = await s.trialsSince(st.id, all.cursor);
      assert.deepEqual(none.trials, []);
      assert.equal(none.cursor, all.cursor);

      await s.updateTrial(t1.id, { heartbeat: true });
      assert.deepEqual((await s.trialsSince(st.id, all.cursor)).trials, [], 'a heartbeat alone is invisible');

      await s.updateTrial(t1.id, { intermediate: [[0, 5]] });
      const t2 = (await s.claimTrial(st.id))!;
      const some = await s.trialsSince(st.id, all.cursor);
      assert.deepEqual(some.trials.map((t) => t.number), [1, 2]);
      assert.equal(some.trials[0].intermediate.get(0), 5);
      assert.ok(some.cursor > all.cursor);

      await s.updateTrial(t2.id, { finish: { state: 'complete', value: 3 } });
      await s.updateStudy(st.id, { systemAttrs: { round: 1 } });
      const last = await s.trialsSince(st.id, some.cursor);
      assert.deepEqual(last.trials.map((t) => [t.number, t.state]), [[2, 'complete']]);
      assert.deepEqual(last.study?.systemAttrs, { round: 1 });

      // A second connection (another process) sees the same pages.
      const other = await harness.reopen(s);
      assert.deepEqual(
        (await other.trialsSince(st.id, 0)).trials.map((t) => t.state),
        ['running', 'running', 'complete'],
      );
      if (other !== s) await other.close();
      await s.close();
    });

    test('failStaleTrials fails running trials whose heartbeat is older than the grace period', async () => {
      const clock = fakeClock();
      const s = await harness.open({ clock: clock.now });
      const st = await s.createStudy({ name: 'hb', direction: 'minimize' });
      const dead = (await s.claimTrial(st.id))!;
      const alive = (await s.claimTrial(st.id))!;
      const manual = (await s.claimTrial(st.id, { heartbeat: false }))!;
      const done = (await s.claimTrial(st.id))!;
      await s.updateTrial(done.id, { finish: { state: 'complete', value: 1 } });
      clock.advance(1000);
      await s.updateTrial(alive.id, { heartbeat: true });
      clock.advance(1000);
      assert.deepEqual(await s.failStaleTrials(st.id, 1500), [dead.number]);
      const d = await s.getTrial(dead.id);
      assert.equal(d.state, 'failed');
      assert.match(String(d.systemAttrs.failReason), /no heartbeat for 2000 ms/);
      assert.equal(d.systemAttrs.retryable, true);
      assert.equal((await s.getTrial(alive.id)).state, 'running');
      assert.equal((await s.getTrial(manual.id)).state, 'running', 'a trial without heartbeats is never stale');
      assert.equal((await s.getTrial(done.id)).state, 'complete');
      clock.advance(1000);
      assert.deepEqual(await s.failStaleTrials(st.id, 1500), [alive.number]);
      assert.deepEqual(await s.failStaleTrials(st.id, 1500), []);
      await s.close();
    });

    test('retries: a stale trial is re-created once per failure, linked, up to maxRetries', async () => {
      const clock = fakeClock();
      const s = await harness.open({ clock: clock.now });
      const st = await s.createStudy({ name: 'r', direction: 'minimize' });
      const t0 = (await s.claimTrial(st.id))!;
      await s.updateTrial(t0.id, { params: [{ name: 'lr', value: 0.02, distribution: LR }], userAttrs: { tag: 'x' } });
      const bad = (await s.claimTrial(st.id))!;
      await s.updateTrial(bad.id, { finish: { state: 'failed', reason: 'objective threw' } });
      clock.advance(5000);
      // The claim fails t0 as stale and hands out its retry in the same transaction.
      const r1 = (await s.claimTrial(st.id, { maxRetries: 2, staleGraceMs: 1000 }))!;
      assert.equal(r1.number, 2);
      assert.equal(r1.state, 'running');
      assert.deepEqual(r1.params, { lr: 0.02 });
      assert.deepEqual(r1.distributions, { lr: LR });
      assert.deepEqual(r1.userAttrs, { tag: 'x' });
      assert.equal(r1.systemAttrs.retryOf, 0);
      assert.equal(r1.systemAttrs.retryCount, 1);
      assert.equal((await s.getTrial(t0.id)).systemAttrs.retriedBy, 2);
      assert.equal((await s.getTrial(t0.id)).state, 'failed');
      // Not retried twice, and an objective error is never retried: the next claim is fresh.
      const fresh = (await s.claimTrial(st.id, { maxRetries: 2 }))!;
      assert.equal(fresh.systemAttrs.retryOf, undefined);
      assert.deepEqual(fresh.params, {});
      await s.updateTrial(fresh.id, { finish: { state: 'complete', value: 1 } });
      // The retry dies too: retried once more (retryCount 2), then no more.
      clock.advance(5000);
      const r2 = (await s.claimTrial(st.id, { maxRetries: 2, staleGraceMs: 1000 }))!;
      assert.deepEqual([r2.systemAttrs.retryOf, r2.systemAttrs.retryCount], [2, 2]);
      clock.advance(5000);
      const r3 = (await s.claimTrial(st.id, { maxRetries: 2, staleGraceMs: 1000 }))!;
      assert.equal(r3.systemAttrs.retryOf, undefined, 'the chain stops at maxRetries');
      // Without maxRetries nothing is retried.
      clock.advance(5000);
      const r4 = (await s.claimTrial(st.id, { staleGraceMs: 1000 }))!;
      assert.equal(r4.systemAttrs.retryOf, undefined);
      await s.close();
    });

    test('enqueued trials come before retries', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'order', direction: 'minimize' });
      const t = (await s.claimTrial(st.id))!;
      await s.updateTrial(t.id, { finish: { state: 'failed', reason: 'worker crashed', retryable: true } });
      await s.enqueueTrial(st.id, { params: { lr: 0.5 } });
      const first = (await s.claimTrial(st.id, { maxRetries: 1 }))!;
      assert.deepEqual(first.systemAttrs.fixedParams, { lr: 0.5 });
      const second = (await s.claimTrial(st.id, { maxRetries: 1 }))!;
      assert.equal(second.systemAttrs.retryOf, 0);
      await s.close();
    });

    test('maxCompleteOrRunning stops claims at the budget', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'budget', direction: 'minimize' });
      const a = (await s.claimTrial(st.id, { maxCompleteOrRunning: 2 }))!;
      const b = (await s.claimTrial(st.id, { maxCompleteOrRunning: 2 }))!;
      assert.equal(await s.claimTrial(st.id, { maxCompleteOrRunning: 2 }), undefined);
      await s.updateTrial(a.id, { finish: { state: 'complete', value: 1 } });
      assert.equal(await s.claimTrial(st.id, { maxCompleteOrRunning: 2 }), undefined);
      await s.updateTrial(b.id, { finish: { state: 'pruned' } });
      const c = await s.claimTrial(st.id, { maxCompleteOrRunning: 2 });
      assert.equal(c?.number, 2, 'a pruned trial frees its place');
      await s.close();
    });

    test('concurrent claims from two connections never share a number', async () => {
      const s = await harness.open();
      const other = await harness.reopen(s);
      const st = await s.createStudy({ name: 'race', direction: 'minimize' });
      for (let i = 0; i < 5; i++) await s.enqueueTrial(st.id, { params: { i } });
      const claims = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? s : other).claimTrial(st.id)),
      );
      const numbers = claims.map((t) => t!.number).sort((x, y) => x - y);
      assert.deepEqual(numbers, Array.from({ length: 40 }, (_, i) => i));
      assert.equal(new Set(claims.map((t) => t!.id)).size, 40);
      assert.equal(claims.filter((t) => t!.systemAttrs.fixedParams !== undefined).length, 5);
      if (other !== s) await other.close();
      await s.close();
    });

    test('commands: sent in order, taken once, settled once; unknown ids and finished trials refused', async () => {
      const clock = fakeClock();
      const s = await harness.open({ clock: clock.now });
      const st = await s.createStudy({ name: 'cmd', direction: 'minimize' });
      const t = (await s.claimTrial(st.id))!;
      const pause = await s.sendCommand(t.id, { kind: 'pause' });
      clock.advance(10);
      const set = await s.sendCommand(t.id, { kind: 'set', args: { params: { learningRate: 0.01, beta1: 0.8 } } });
      const rollback = await s.sendCommand(t.id, { kind: 'rollback', args: { checkpointId: 3 } });
      assert.deepEqual(pause, { id: pause.id, trialId: t.id, kind: 'pause', args: {}, state: 'pending', createdAt: 1_000_000 });
      assert.equal(set.createdAt, 1_000_010, "stamped by the storage's clock");
      assert.ok(pause.id < set.id && set.id < rollback.id, 'ids increase in the order commands were sent');

      const taken = await s.takeCommands(t.id);
      assert.deepEqual(taken.map((c) => [c.id, c.kind, c.state]), [
        [pause.id, 'pause', 'taken'],
        [set.id, 'set', 'taken'],
        [rollback.id, 'rollback', 'taken'],
      ]);
      assert.deepEqual(taken[1].args, { params: { learningRate: 0.01, beta1: 0.8 } });
      assert.deepEqual(await s.takeCommands(t.id), [], 'a taken command is never taken again');

      clock.advance(5);
      const applied = await s.settleCommand(pause.id, { state: 'applied', step: 2.5, message: 'paused at epoch 2' });
      assert.deepEqual(applied, { ...taken[0], state: 'applied', settledAt: 1_000_015, step: 2.5, message: 'paused at epoch 2' });
      const refused = await s.settleCommand(rollback.id, { state: 'refused', message: 'no checkpoint 3' });
      assert.equal(refused.state, 'refused');
      assert.equal(refused.step, undefined);
      await assert.rejects(s.settleCommand(pause.id, { state: 'refused' }), InvalidWriteError);
      await assert.rejects(s.settleCommand(pause.id, { state: 'applied', step: 3 }), /already applied/);
      await assert.rejects(s.settleCommand(987654, { state: 'applied' }), RecordNotFoundError);

      // A pending command may be settled without being taken (the trial ended first), and is then never taken.
      const stop = await s.sendCommand(t.id, { kind: 'stop' });
      await s.settleCommand(stop.id, { state: 'refused', step: 4, message: 'trial finished' });
      assert.deepEqual(await s.takeCommands(t.id), []);

      assert.deepEqual((await s.listCommands(t.id)).map((c) => [c.id, c.state]), [
        [pause.id, 'applied'],
        [set.id, 'taken'],
        [rollback.id, 'refused'],
        [stop.id, 'refused'],
      ]);
      assert.deepEqual((await s.listCommands(t.id))[0], applied);

      // A waiting (enqueued) trial takes commands too; a finished one refuses them; unknown ids are errors.
      const w = await s.enqueueTrial(st.id, { params: {} });
      assert.equal((await s.sendCommand(w.id, { kind: 'set', args: { params: { learningRate: 1 } } })).state, 'pending');
      await s.updateTrial(t.id, { finish: { state: 'complete', value: 1 } });
      await assert.rejects(s.sendCommand(t.id, { kind: 'resume' }), TrialFinishedError);
      await s.settleCommand(set.id, { state: 'applied', step: 3 }); // settling after the finish is still allowed
      await assert.rejects(s.sendCommand(987654, { kind: 'pause' }), TrialNotFoundError);
      await assert.rejects(s.takeCommands(987654), TrialNotFoundError);
      await assert.rejects(s.listCommands(987654), TrialNotFoundError);
      assert.deepEqual(await s.listCommands(w.id).then((l) => l.map((c) => c.kind)), ['set']);
      await s.close();
    });

    test('commands: bad input is refused and writes nothing', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'cmd-bad', direction: 'minimize' });
      const t = (await s.claimTrial(st.id))!;
      const bad: unknown[] = [
        { kind: 'explode' },
        { kind: 'set', args: [1, 2] },
        { kind: 'set', args: 'lr=1' },
        { kind: 'set', args: null },
        { kind: 'set', args: { lr: 1n } },
        { kind: 'set', args: { f: () => 1 } },
        null,
      ];
      for (const command of bad) {
        await assert.rejects(s.sendCommand(t.id, command as NewCommand), InvalidWriteError, inspect(command));
      }
      assert.deepEqual(await s.listCommands(t.id), []);
      const c = await s.sendCommand(t.id, { kind: 'checkpoint' });
      for (const outcome of [{ state: 'done' }, { state: 'applied', step: -1 }, { state: 'applied', step: NaN }, { state: 'refused', message: 7 }]) {
        await assert.rejects(s.settleCommand(c.id, outcome as never), InvalidWriteError, JSON.stringify(outcome));
      }
      assert.equal((await s.listCommands(t.id))[0].state, 'pending', 'a refused outcome changes nothing');
      await s.close();
    });

    test("commands stamp their trial's version: a reader sees the trial after a send and after a settle", async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'cmd-v', direction: 'minimize' });
      await s.claimTrial(st.id);
      const t1 = (await s.claimTrial(st.id))!;
      const reader = await harness.reopen(s);
      let cursor = (await reader.trialsSince(st.id, 0)).cursor;
      const sent = await s.sendCommand(t1.id, { kind: 'pause' });
      const afterSend = await reader.trialsSince(st.id, cursor);
      assert.deepEqual(afterSend.trials.map((t) => t.number), [1]);
      assert.ok(afterSend.cursor > cursor);
      await s.takeCommands(t1.id);
      cursor = (await reader.trialsSince(st.id, afterSend.cursor)).cursor;
      await s.settleCommand(sent.id, { state: 'applied', step: 1 });
      const afterSettle = await reader.trialsSince(st.id, cursor);
      assert.deepEqual(afterSettle.trials.map((t) => t.number), [1]);
      assert.ok(afterSettle.cursor > cursor);
      assert.deepEqual((await reader.trialsSince(st.id, afterSettle.cursor)).trials, []);
      if (reader !== s) await reader.close();
      await s.close();
    });

    test('two connections taking the commands of one trial at once take each command exactly once', async () => {
      const s = await harness.open();
      const other = await harness.reopen(s);
      const st = await s.createStudy({ name: 'cmd-race', direction: 'minimize' });
      const t = (await s.claimTrial(st.id))!;
      const sent: number[] = [];
      const taken: number[][] = [];
      for (let round = 0; round < 5; round++) {
        // Sends and takes interleave: some takers find commands, some find none.
        const sends = Array.from({ length: 6 }, (_, i) => s.sendCommand(t.id, { kind: 'set', args: { params: { i } } }));
        const takes = Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? s : other).takeCommands(t.id));
        const [ids, got] = await Promise.all([Promise.all(sends), Promise.all(takes)]);
        sent.push(...ids.map((c) => c.id));
        taken.push(...got.map((list) => list.map((c) => c.id)));
      }
      taken.push((await other.takeCommands(t.id)).map((c) => c.id), (await s.takeCommands(t.id)).map((c) => c.id));
      for (const list of taken) assert.deepEqual(list, [...list].sort((a, b) => a - b), 'each taker gets its commands in order');
      const all = taken.flat().sort((a, b) => a - b);
      assert.deepEqual(all, [...sent].sort((a, b) => a - b), 'every command taken exactly once');
      assert.ok((await s.listCommands(t.id)).every((c) => c.state === 'taken'));
      if (other !== s) await other.close();
      await s.close();
    });

    test("enqueued trials keep their system attributes; a retry copies fixedParams and origin", async () => {
      const clock = fakeClock();
      const s = await harness.open({ clock: clock.now });
      const st = await s.createStudy({ name: 'fork', direction: 'minimize' });
      const origin = { checkpointId: 7, trial: 0, step: 2.5, reason: 'fork' };
      const w = await s.enqueueTrial(st.id, { params: { lr: 0.1 }, userAttrs: { who: 'me' }, systemAttrs: { origin } });
      assert.deepEqual(w.systemAttrs, { fixedParams: { lr: 0.1 }, origin });
      assert.deepEqual((await s.getTrial(w.id)).systemAttrs, { fixedParams: { lr: 0.1 }, origin });
      await assert.rejects(s.enqueueTrial(st.id, { params: {}, systemAttrs: { f: () => 1 } }), InvalidWriteError);

      const claimed = (await s.claimTrial(st.id))!;
      assert.equal(claimed.id, w.id);
      clock.advance(5000);
      const retry = (await s.claimTrial(st.id, { maxRetries: 1, staleGraceMs: 1000 }))!;
      assert.equal(retry.systemAttrs.retryOf, w.number);
      assert.deepEqual(retry.systemAttrs.origin, origin);
      assert.deepEqual(retry.systemAttrs.fixedParams, { lr: 0.1 });
      assert.deepEqual(retry.userAttrs, { who: 'me' });
      await s.close();
    });

    test('checkpoints: 1 MB of bytes round-trip exactly, listings carry no bytes, any trial state may save', async () => {
      const clock = fakeClock();
      const s = await harness.open({ clock: clock.now });
      const st = await s.createStudy({ name: 'cp', direction: 'minimize' });
      await s.claimTrial(st.id);
      const t = (await s.claimTrial(st.id))!;
      // A view into a bigger buffer, at an odd offset: only the view's bytes are stored.
      const backing = randomBytes((1 << 20) + 7);
      const data = new Uint8Array(backing.buffer, backing.byteOffset + 3, 1 << 20);
      const expected = Buffer.from(data);
      const info = await s.saveCheckpoint(t.id, { step: 2.5, kind: 'manual', data, meta: { epoch: 2, learningRate: 0.01 } });
      assert.deepEqual(info, {
        id: info.id,
        trialId: t.id,
        studyId: st.id,
        trialNumber: 1,
        step: 2.5,
        kind: 'manual',
        meta: { epoch: 2, learningRate: 0.01 },
        createdAt: 1_000_000,
        size: 1 << 20,
      });
      data.fill(0); // the caller reusing its buffer changes nothing stored

      const other = await harness.reopen(s);
      for (const reader of [s, other]) {
        const loaded = await reader.loadCheckpoint(info.id);
        assert.ok(loaded.data instanceof Uint8Array);
        assert.equal(loaded.data.byteLength, 1 << 20);
        assert.equal(Buffer.compare(Buffer.from(loaded.data), expected), 0, 'byte for byte');
        const { data: _bytes, ...rest } = loaded;
        assert.deepEqual(rest, info);
        loaded.data.fill(1);
      }
      assert.equal(Buffer.compare(Buffer.from((await s.loadCheckpoint(info.id)).data), expected), 0, 'readers get copies');

      const empty = await s.saveCheckpoint(t.id, { step: 0, kind: 'auto', data: new Uint8Array(0) });
      assert.deepEqual(empty.meta, {});
      assert.equal((await s.loadCheckpoint(empty.id)).data.byteLength, 0);
      await s.updateTrial(t.id, { finish: { state: 'pruned' } });
      const last = await s.saveCheckpoint(t.id, { step: 3, kind: 'auto', data: Uint8Array.of(1, 2, 3) });
      assert.deepEqual(Array.from((await other.loadCheckpoint(last.id)).data), [1, 2, 3]);
      assert.deepEqual((await s.listCheckpoints(t.id)).map((c) => [c.id, c.step, c.size, 'data' in c]), [
        [info.id, 2.5, 1 << 20, false],
        [empty.id, 0, 0, false],
        [last.id, 3, 3, false],
      ]);
      await assert.rejects(s.loadCheckpoint(987654), RecordNotFoundError);
      await assert.rejects(s.saveCheckpoint(987654, { step: 0, kind: 'auto', data: new Uint8Array(1) }), TrialNotFoundError);
      await assert.rejects(s.listCheckpoints(987654), TrialNotFoundError);
      if (other !== s) await other.close();
      await s.close();
    });

    test('checkpoints: bad input is refused and stores nothing', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'cp-bad', direction: 'minimize' });
      const t = (await s.claimTrial(st.id))!;
      const ok = { step: 1, kind: 'auto', data: new Uint8Array(4) } as const;
      const bad: [unknown, object?][] = [
        [{ ...ok, data: [1, 2, 3] }],
        [{ ...ok, data: 'bytes' }],
        [{ ...ok, data: undefined }],
        [{ ...ok, step: -1 }],
        [{ ...ok, step: NaN }],
        [{ ...ok, step: Infinity }],
        [{ ...ok, kind: 'sometimes' }],
        [{ ...ok, meta: { big: 1n } }],
        [{ ...ok, meta: { f: () => 1 } }],
        [{ ...ok, meta: [1] }],
        [ok, { keepAuto: 0 }],
        [ok, { keepAuto: 1.5 }],
      ];
      for (const [cp, options] of bad) {
        await assert.rejects(s.saveCheckpoint(t.id, cp as NewCheckpoint, options), InvalidWriteError, inspect([cp, options]));
      }
      assert.deepEqual(await s.listCheckpoints(t.id), []);
      await s.close();
    });

    test('checkpoints: keepAuto keeps the newest auto checkpoints of the trial and every manual one', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'cp-keep', direction: 'minimize' });
      const t = (await s.claimTrial(st.id))!;
      const u = (await s.claimTrial(st.id))!;
      const save = (trialId: number, kind: 'auto' | 'manual', step: number, keepAuto?: number) =>
        s.saveCheckpoint(trialId, { step, kind, data: Uint8Array.of(step) }, keepAuto === undefined ? {} : { keepAuto });
      const a1 = await save(t.id, 'auto', 1);
      const a2 = await save(t.id, 'auto', 2);
      const m3 = await save(t.id, 'manual', 3);
      const b1 = await save(u.id, 'auto', 1);
      const a4 = await save(t.id, 'auto', 4);
      assert.equal((await s.listCheckpoints(t.id)).length, 4, 'without keepAuto nothing is dropped');
      const a5 = await save(t.id, 'auto', 5, 2);
      assert.deepEqual((await s.listCheckpoints(t.id)).map((c) => c.id), [m3.id, a4.id, a5.id]);
      await assert.rejects(s.loadCheckpoint(a1.id), RecordNotFoundError);
      await assert.rejects(s.loadCheckpoint(a2.id), RecordNotFoundError);
      assert.deepEqual((await s.listCheckpoints(u.id)).map((c) => c.id), [b1.id], "another trial's are untouched");
      const m6 = await save(t.id, 'manual', 6, 1);
      assert.deepEqual((await s.listCheckpoints(t.id)).map((c) => c.id), [m3.id, a4.id, a5.id, m6.id], 'a manual save prunes nothing');
      const a7 = await save(t.id, 'auto', 7, 1);
      assert.deepEqual((await s.listCheckpoints(t.id)).map((c) => c.id), [m3.id, m6.id, a7.id]);
      assert.ok(a7.id > Math.max(a1.id, a2.id, m3.id, b1.id, a4.id, a5.id, m6.id), 'ids are never reused');
      assert.deepEqual(Array.from((await s.loadCheckpoint(m3.id)).data), [3]);
      await s.close();
    });

    test("deleteStudy drops the study's commands and checkpoints, and only those", async () => {
      const s = await harness.open();
      const a = await s.createStudy({ name: 'gone', direction: 'minimize' });
      const b = await s.createStudy({ name: 'kept', direction: 'minimize' });
      const ta = (await s.claimTrial(a.id))!;
      const tb = (await s.claimTrial(b.id))!;
      const ca = await s.sendCommand(ta.id, { kind: 'pause' });
      const cb = await s.sendCommand(tb.id, { kind: 'pause' });
      const pa = await s.saveCheckpoint(ta.id, { step: 1, kind: 'manual', data: Uint8Array.of(1) });
      const pb = await s.saveCheckpoint(tb.id, { step: 1, kind: 'manual', data: Uint8Array.of(2) });
      await s.deleteStudy('gone');
      await assert.rejects(s.loadCheckpoint(pa.id), RecordNotFoundError);
      await assert.rejects(s.settleCommand(ca.id, { state: 'applied' }), RecordNotFoundError);
      await assert.rejects(s.listCommands(ta.id), TrialNotFoundError);
      assert.deepEqual(Array.from((await s.loadCheckpoint(pb.id)).data), [2]);
      assert.deepEqual((await s.listCommands(tb.id)).map((c) => c.id), [cb.id]);
      assert.equal((await s.settleCommand(cb.id, { state: 'applied', step: 0 })).state, 'applied');
      await s.close();
    });

    test('values that are not JSON at any depth are refused, naming where, in every write that takes JSON; nothing is stored', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'deep', direction: 'minimize' });
      const t = (await s.claimTrial(st.id))!;
      class Point {
        x = 1;
      }
      const cyclic: Record<string, unknown> = { a: 1 };
      cyclic.self = cyclic;
      // eslint-disable-next-line no-sparse-arrays
      const holey = [1, , 3];
      const cases: [unknown, RegExp][] = [
        [[{ loss: 1 }, { loss: 0.5 }, { loss: 0.25 }, { loss: NaN }], /^trial 0, user attribute "curves"\[3\]\.loss: NaN is not JSON$/],
        [{ deep: { deeper: [1, Infinity] } }, /"curves"\.deep\.deeper\[1\]: Infinity is not JSON$/],
        [{ a: -Infinity }, /"curves"\.a: -Infinity is not JSON$/],
        [{ a: undefined }, /"curves"\.a: undefined is not JSON$/],
        [[1, () => 2], /"curves"\[1\]: a function is not JSON$/],
        [{ s: Symbol('x') }, /"curves"\.s: a symbol is not JSON$/],
        [{ n: 10n }, /"curves"\.n: a bigint \(10n\) is not JSON$/],
        [{ m: new Map([[1, 2]]) }, /"curves"\.m: a Map is not JSON/],
        [[new Set([1])], /"curves"\[0\]: a Set is not JSON/],
        [{ d: new Date(0) }, /"curves"\.d: a Date is not JSON/],
        [{ p: new Point() }, /"curves"\.p: a Point is not JSON/],
        [{ f: new Float32Array(2) }, /"curves"\.f: a Float32Array is not JSON/],
        [holey, /"curves"\[1\]: an empty array slot is not JSON$/],
        [cyclic, /"curves"\.self: a cycle \(a reference back to the value itself\) is not JSON$/],
        [{ 'odd key': [NaN] }, /"curves"\["odd key"\]\[0\]: NaN is not JSON$/],
      ];
      for (const [value, message] of cases) {
        await assert.rejects(
          s.updateTrial(t.id, { userAttrs: { curves: value }, intermediate: [[0, 1]] }),
          (e: Error) => e instanceof InvalidWriteError && message.test(e.message),
          inspect(value),
        );
      }
      const nan = { x: [NaN] };
      await assert.rejects(s.updateTrial(t.id, { systemAttrs: { r: nan } }), /system attribute "r"\.x\[0\]: NaN is not JSON$/);
      await assert.rejects(s.createStudy({ name: 'bad', direction: 'minimize', data: { experiment: nan } }), /: study "bad" data\.experiment\.x\[0\]: NaN is not JSON$/);
      await assert.rejects(s.createStudy({ name: 'bad', direction: 'minimize', userAttrs: { u: nan } }), /user attribute "u"\.x\[0\]: NaN is not JSON$/);
      await assert.rejects(s.updateStudy(st.id, { systemAttrs: { regions: nan } }), /system attribute "regions"\.x\[0\]: NaN is not JSON$/);
      await assert.rejects(s.updateStudy(st.id, { data: { when: new Date(0) } }), /: study data\.when: a Date is not JSON/);
      await assert.rejects(s.enqueueTrial(st.id, { params: { lr: 0.1 }, userAttrs: { u: nan } }), /enqueued trial user attribute "u"\.x\[0\]: NaN is not JSON$/);
      await assert.rejects(s.sendCommand(t.id, { kind: 'set', args: { params: { learningRate: NaN } } }), /args "params"\.learningRate: NaN is not JSON$/);
      await assert.rejects(
        s.saveCheckpoint(t.id, { step: 1, kind: 'manual', data: Uint8Array.of(1), meta: { loss: [Infinity] } }),
        /meta "loss"\[0\]: Infinity is not JSON$/,
      );
      await assert.rejects(s.updateTrial(t.id, { userAttrs: new Map() as never }), /user attributes must be a plain object/);
      const got = await s.getTrial(t.id);
      assert.deepEqual([got.userAttrs, got.systemAttrs, got.intermediate.size], [{}, {}, 0], 'nothing of a refused batch is stored');
      assert.equal(await s.getStudy('bad'), undefined);
      assert.deepEqual((await s.getStudy('deep'))?.systemAttrs, {});
      assert.deepEqual(await s.listCommands(t.id), []);
      assert.deepEqual(await s.listCheckpoints(t.id), []);
      assert.equal((await s.trialsSince(st.id, 0)).trials.length, 1, 'no trial was enqueued');
      // JSON passes however deep: null, booleans, nested arrays, objects without a prototype, shared (not cyclic) references.
      const shared = { v: 1 };
      const bare = Object.assign(Object.create(null) as object, { k: [null, true, 'x'] });
      await s.updateTrial(t.id, { userAttrs: { ok: { a: [shared, shared], bare, deep: [[[[{ z: 1e308 }]]]] } } });
      assert.deepEqual((await s.getTrial(t.id)).userAttrs.ok, { a: [{ v: 1 }, { v: 1 }], bare: { k: [null, true, 'x'] }, deep: [[[[{ z: 1e308 }]]]] });
      await s.close();
    });

    test('a claim sent again with its key returns the trial it claimed (fresh, with finishing, enqueued) and claims nothing more', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'ck', direction: 'minimize' });
      const a = (await s.claimTrial(st.id, { key: 'claim-a' }))!;
      const again = (await s.claimTrial(st.id, { key: 'claim-a' }))!;
      assert.deepEqual([again.id, again.number, again.state], [a.id, 0, 'running']);
      // The finishing write went with the first claim: sent again, it is neither applied twice nor refused.
      const finishing = { trialId: a.id, update: { claimKey: 'claim-a', finish: { state: 'complete', value: 1 } } } as const;
      const b = (await s.claimTrial(st.id, { key: 'claim-b', finishing }))!;
      assert.equal((await s.claimTrial(st.id, { key: 'claim-b', finishing }))!.id, b.id);
      await s.enqueueTrial(st.id, { params: { lr: 0.1 } });
      const w = (await s.claimTrial(st.id, { key: 'claim-w' }))!;
      assert.deepEqual(w.systemAttrs.fixedParams, { lr: 0.1 });
      assert.equal((await s.claimTrial(st.id, { key: 'claim-w' }))!.id, w.id);
      const { trials } = await s.trialsSince(st.id, 0);
      assert.deepEqual(trials.map((t) => [t.number, t.state, t.value]), [[0, 'complete', 1], [1, 'running', undefined], [2, 'running', undefined]]);
      await assert.rejects(s.claimTrial(st.id, { key: '' }), InvalidWriteError);
      await s.close();
    });

    test('writes carrying a claim key are refused with TrialLostError, changing nothing, when the trial is not that claim', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'lost', direction: 'minimize' });
      const t = (await s.claimTrial(st.id, { key: 'mine' }))!;
      const other = (await s.claimTrial(st.id))!;
      await s.updateTrial(t.id, { claimKey: 'mine', params: [{ name: 'lr', value: 0.1, distribution: LR }], heartbeat: true });
      const lost = (e: Error) => e instanceof TrialLostError && e instanceof TrialNotFoundError && e.message.includes(`trial id ${t.id} `) && /no longer the trial this process claimed/.test(e.message);
      for (const update of [{ heartbeat: true }, { intermediate: [[0, 1]] as [number, number][] }, { finish: { state: 'complete', value: 2 } } as const]) {
        await assert.rejects(s.updateTrial(t.id, { ...update, claimKey: 'theirs' }), lost);
      }
      await assert.rejects(s.updateTrial(other.id, { claimKey: 'mine', finish: { state: 'complete', value: 2 } }), TrialLostError);
      await assert.rejects(
        s.claimTrial(st.id, { finishing: { trialId: t.id, update: { claimKey: 'theirs', finish: { state: 'complete', value: 2 } } } }),
        TrialLostError,
      );
      const c = await s.sendCommand(t.id, { kind: 'pause' });
      await assert.rejects(s.takeCommands(t.id, 'theirs'), lost);
      assert.deepEqual((await s.listCommands(t.id)).map((x) => x.state), ['pending'], 'nothing was taken');
      assert.deepEqual((await s.takeCommands(t.id, 'mine')).map((x) => x.id), [c.id]);
      await assert.rejects(s.settleCommand(c.id, { state: 'applied', step: 1 }, 'theirs'), lost);
      assert.equal((await s.settleCommand(c.id, { state: 'applied', step: 1 }, 'mine')).state, 'applied');
      await assert.rejects(s.saveCheckpoint(t.id, { step: 1, kind: 'manual', data: Uint8Array.of(1) }, { claimKey: 'theirs' }), lost);
      assert.deepEqual(await s.listCheckpoints(t.id), []);
      await s.saveCheckpoint(t.id, { step: 1, kind: 'manual', data: Uint8Array.of(1) }, { claimKey: 'mine' });
      const got = await s.getTrial(t.id);
      assert.deepEqual([got.state, got.params, got.intermediate.size], ['running', { lr: 0.1 }, 0]);
      assert.equal((await s.getTrial(other.id)).state, 'running');
      // Writes without a key (a person's tell, the dashboard) are not checked.
      await s.updateTrial(t.id, { finish: { state: 'complete', value: 3 } });
      assert.equal((await s.getTrial(t.id)).value, 3);
      await s.close();
    });

    test('an enqueued trial, a command or a checkpoint written again with the same key is the first write', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'keys', direction: 'minimize' });
      const e1 = await s.enqueueTrial(st.id, { params: { lr: 0.1 }, key: 'enq-1' });
      assert.equal((await s.enqueueTrial(st.id, { params: { lr: 0.1 }, key: 'enq-1' })).id, e1.id);
      const t = (await s.claimTrial(st.id))!;
      const u = (await s.claimTrial(st.id))!;
      assert.equal(t.id, e1.id);
      assert.equal((await s.trialsSince(st.id, 0)).trials.length, 2, 'one enqueued trial, one fresh');
      const set = { kind: 'set', args: { params: { learningRate: 0.1 } }, key: 'cmd-1' } as const;
      const c1 = await s.sendCommand(t.id, set);
      assert.deepEqual(await s.sendCommand(t.id, set), c1);
      assert.equal((await s.listCommands(t.id)).length, 1);
      await assert.rejects(s.sendCommand(t.id, { kind: 'pause', key: 'cmd-1' }), (e: Error) => e instanceof InvalidWriteError && /"cmd-1" was already used/.test(e.message));
      await assert.rejects(s.sendCommand(u.id, set), InvalidWriteError);
      await s.takeCommands(t.id);
      assert.equal((await s.sendCommand(t.id, set)).state, 'taken', 'the first command, as it is now');
      const cp = { step: 1, kind: 'manual', data: Uint8Array.of(1, 2), key: 'cp-1' } as const;
      const p1 = await s.saveCheckpoint(t.id, cp);
      assert.deepEqual(await s.saveCheckpoint(t.id, cp), p1);
      assert.equal((await s.listCheckpoints(t.id)).length, 1);
      await assert.rejects(s.saveCheckpoint(u.id, cp), (e: Error) => e instanceof InvalidWriteError && /"cp-1" was already used/.test(e.message));
      await s.close();
    });

    test('multi-objective studies: directions kept, values and reported vectors stored and read back, bad ones refused', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'mo', direction: 'maximize', directions: ['maximize', 'minimize'] });
      assert.deepEqual(st.directions, ['maximize', 'minimize']);
      assert.deepEqual((await s.getStudy('mo'))!.directions, ['maximize', 'minimize']);
      assert.deepEqual((await s.createStudy({ name: 'single', direction: 'minimize' })).directions, ['minimize']);
      await assert.rejects(s.createStudy({ name: 'bad', direction: 'minimize', directions: ['maximize', 'minimize'] }), /first equal to direction/);
      await assert.rejects(s.createStudy({ name: 'bad', direction: 'minimize', directions: ['minimize'] }), /two or more/);

      const t = (await s.claimTrial(st.id))!;
      const { cursor } = await s.trialsSince(st.id, 0);
      await s.updateTrial(t.id, { intermediate: [[0, [0.5, 10]], [1, [0.7, Number.NaN]]] });
      // The first report of a step stands, for vectors as for numbers.
      await s.updateTrial(t.id, { intermediate: [[1, [0.1, 1]], [2, [0.8, 8]]] });
      await assert.rejects(s.updateTrial(t.id, { intermediate: [[3, []]] }), (e: Error) => e instanceof InvalidWriteError && /step 3/.test(e.message));
      await assert.rejects(s.updateTrial(t.id, { finish: { state: 'complete', values: [0.9, Number.NaN] } }), /finite values, one per objective/);
      await assert.rejects(s.updateTrial(t.id, { finish: { state: 'complete', values: [] } }), InvalidWriteError);
      await s.updateTrial(t.id, { finish: { state: 'complete', values: [0.9, 7.5] } });
      const page = await s.trialsSince(st.id, cursor);
      for (const got of [await s.getTrial(t.id), page.trials[0]]) {
        assert.equal(got.value, undefined);
        assert.deepEqual(got.values, [0.9, 7.5]);
        assert.deepEqual([...got.intermediate], [[0, 0.5], [1, 0.7], [2, 0.8]]);
        assert.deepEqual([...got.intermediateVectors!], [[0, [0.5, 10]], [1, [0.7, Number.NaN]], [2, [0.8, 8]]]);
      }
      await s.close();
    });

    test('constraints: kept as the system attribute and read back as the trial\'s constraints; malformed ones refused', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'con', direction: 'minimize' });
      const t = (await s.claimTrial(st.id))!;
      await assert.rejects(s.updateTrial(t.id, { systemAttrs: { constraints: [] } }), (e: Error) => e instanceof InvalidWriteError && /constraints/.test(e.message));
      await assert.rejects(s.updateTrial(t.id, { systemAttrs: { constraints: ['1'] } }), InvalidWriteError);
      await s.updateTrial(t.id, { systemAttrs: { constraints: [0.5, -2] }, finish: { state: 'complete', value: 1 } });
      const got = await s.getTrial(t.id);
      assert.deepEqual([got.constraints, got.systemAttrs.constraints, got.values], [[0.5, -2], [0.5, -2], undefined]);
      const plain = (await s.claimTrial(st.id))!;
      assert.equal((await s.getTrial(plain.id)).constraints, undefined);
      await s.close();
    });

    test('trialsSince with a cursor past the study\'s version answers every trial, with reset', async () => {
      const s = await harness.open();
      const st = await s.createStudy({ name: 'rs', direction: 'minimize' });
      await s.claimTrial(st.id);
      await s.claimTrial(st.id);
      const { cursor } = await s.trialsSince(st.id, 0);
      const page = await s.trialsSince(st.id, cursor + 5);
      assert.equal(page.reset, true);
      assert.deepEqual(page.trials.map((t) => t.number), [0, 1]);
      assert.equal(page.study?.name, 'rs');
      assert.equal(page.cursor, cursor);
      assert.equal((await s.trialsSince(st.id, cursor)).reset, undefined, 'a cursor it handed out is trusted');
      await s.close();
    });
  });
}
