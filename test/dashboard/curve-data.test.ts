/**
 * The learning-curves chart's data (web/charts/curve-data.ts) keeps what
 * finished trials contribute while only running trials change: after every
 * kind of live change it must equal the same computed afresh, and it must
 * actually be kept (the same arrays) while trials only report epochs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StudyDetail, StudySummary, TrialRow, TrialsEvent } from '../../src/dashboard/api-types.js';
import { curveData, curveDataFromScratch } from '../../src/dashboard/web/charts/curve-data.js';
import { applyEvent, studyModel, type StudyModel } from '../../src/dashboard/web/study-model.js';

/** A small seeded generator, so the study is the same every run. */
function rng(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

function row(number: number, state: TrialRow['state'], values: (number | null)[]): TrialRow {
  const finished = state === 'complete' || state === 'pruned';
  return {
    key: `0-${number + 1}`, number, state, value: finished ? values.at(-1) ?? null : null, params: {}, steps: values.map((_, i) => i + 1), values,
    startedAt: 1000, completedAt: state === 'running' ? null : 2000, origin: null, pbt: null, retryOf: null, failReason: null, testAccuracy: null, worker: null,
  };
}

/** `n` trials with curves of up to 12 epochs: complete, pruned at 6, one failed, the last `running` still running; some values missing or NaN. */
function study(n: number, running: number): StudyModel {
  const random = rng(3);
  const trials = Array.from({ length: n }, (_, i) => {
    const state = i >= n - running ? 'running' : i === 4 ? 'failed' : i % 5 === 3 ? 'pruned' : 'complete';
    const epochs = state === 'running' ? 3 : state === 'pruned' ? 6 : 12;
    const quality = 0.5 + 0.4 * random();
    return row(i, state, Array.from({ length: epochs }, (_, e) => (i % 97 === 0 && e === 2 ? null : i % 89 === 0 && e === 1 ? NaN : quality * (1 - Math.exp(-(e + 1) / 3)))));
  });
  return studyModel({ summary: { direction: 'maximize', key: '0-1' } as StudySummary, trials, distributions: {}, regions: [], cursor: 1 } as unknown as StudyDetail);
}

function event(m: StudyModel, trials: TrialRow[]): TrialsEvent {
  return { trials, distributions: m.distributions, summary: m.summary, regions: m.regions, cursor: m.cursor + 1 };
}

/** The data as plain values (NaN compares equal to itself in deepEqual, -0 to 0 here). */
const plain = (d: ReturnType<typeof curveData>) => JSON.parse(JSON.stringify({ ...d, groups: Object.fromEntries(Object.entries(d.groups).map(([k, g]) => [k, { flat: g.flat, trials: g.trials.map((t) => t.number), points: g.points }])) })) as unknown;

for (const cap of [1000, Infinity]) {
  test(`curve data at cap ${cap}: kept while trials only report epochs, equal to the data computed afresh after every change`, () => {
    const m = study(3000, 3);
    const check = (what: string) => assert.deepEqual(plain(curveData(m, cap)), plain(curveDataFromScratch(m, cap)), what);
    check('at load');
    const first = curveData(m, cap);
    assert.equal(first.capped, cap < 3000);
    assert.equal(first.running, 3);

    // A new epoch of two running trials, one of them beyond every finished trial's last epoch (13).
    const epoch = (number: number, value: number) => {
      const t = m.trials[number];
      return row(number, 'running', [...t.values, value]);
    };
    const r1 = row(2997, 'running', [...m.trials[2997].values, ...Array.from({ length: 10 }, (_, e) => 0.99 - 0.01 * e)]);
    applyEvent(m, event(m, [r1, epoch(2998, 0.2)]));
    check('after epochs');
    const after = curveData(m, cap);
    assert.equal(after.stops, first.stops, 'the finished trials\' part is kept');
    assert.equal(after.groups.complete, first.groups.complete);
    assert.equal(after.groups.running.points, 3 + 10 + 4 + 3);
    if (cap < 3000) assert.equal(after.band.steps.at(-1), 13, 'the running trial\'s 13th epoch is in the band');

    // A running trial finishes, a new one starts, another is pruned.
    applyEvent(m, event(m, [row(2999, 'complete', [0.3, 0.5, 0.95, 0.97]), row(3000, 'running', [0.1]), row(2998, 'pruned', [...m.trials[2998].values])]));
    check('after a trial finished');
    const finished = curveData(m, cap);
    assert.notEqual(finished.stops, first.stops, 'a finished trial makes the finished part again');
    assert.equal(finished.running, 2);
    // Drawn when every curve is; past the cap its low value leaves it out of the best.
    assert.deepEqual(finished.stops.find((s) => s[2] === 2998), cap < 3000 ? undefined : [4, 0.2, 2998]);
    applyEvent(m, event(m, [epoch(3000, 0.4)]));
    check('after an epoch of the new running trial');

    // New finished trials, one of them the best so far (it must be among the best drawn): merged into what is kept.
    applyEvent(m, event(m, [row(3001, 'complete', [0.5, 0.9, 0.999]), row(3002, 'pruned', [0.1, 0.15])]));
    applyEvent(m, event(m, [row(3003, 'complete', [0.2, 0.3])]));
    check('after new finished trials');
    assert.ok(curveData(m, cap).groups.complete.trials.some((t) => t.number === 3001));
    // A finished trial written again (only a reset or a repair does that): everything made afresh.
    applyEvent(m, event(m, [row(0, 'complete', [0.01, 0.02])]));
    check('after a finished trial changed');
  });
}
