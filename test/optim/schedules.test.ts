import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSchedule, exponentialDecay, inverseSqrtDecay, inverseTimeDecay, stepDecay } from '../../src/optim/schedules.js';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test("the course's decay formulas", () => {
  // a0 / (1 + rate * epoch): the course's example, a0 = 0.2, rate = 1: 0.1, 0.067, 0.05, 0.04
  const inv = inverseTimeDecay(0.2, 1);
  [0.1, 0.2 / 3, 0.05, 0.04].forEach((v, i) => close(inv(i + 1), v));
  close(exponentialDecay(0.1, 0.95)(3), 0.1 * 0.95 ** 3);
  const staircase = stepDecay(0.1, 0.5, 2);
  [0.1, 0.1, 0.05, 0.05, 0.025].forEach((v, i) => close(staircase(i + 1), v));
  close(inverseSqrtDecay(0.3)(4), 0.15);
});

test('schedules from plain data, with clear errors', () => {
  close(createSchedule({ type: 'inverseTime', rate: 0.5 }, 0.1)(2), 0.05);
  close(createSchedule({ type: 'inverseSqrt' }, 0.1)(1), 0.1);
  close(createSchedule({ type: 'constant' }, 0.1)(9), 0.1);
  assert.throws(() => createSchedule({ type: 'exponential', base: 2 }, 0.1), /base must be in \(0, 1\], got 2/);
  assert.throws(() => createSchedule({ type: 'step', factor: 0.5, every: 0 }, 0.1), /every must be a positive integer/);
  assert.throws(() => createSchedule({ type: 'cosine' } as never, 0.1), /unknown schedule "cosine"/);
});
