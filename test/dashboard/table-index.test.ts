/**
 * The trials table's sort keys and filter texts (web/table-index.ts) give
 * the order and the matches the table always gave: missing values last in
 * either direction, ties by trial number, text columns in localeCompare
 * order, a filter on what the table shows (formatted, lower case) or on the
 * trial number; a row a live event replaced is read afresh.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Distribution, TrialRow } from '../../src/dashboard/api-types.js';
import { TableIndex } from '../../src/dashboard/web/table-index.js';
import type { StudyModel } from '../../src/dashboard/web/study-model.js';

function row(number: number, over: Partial<TrialRow> = {}): TrialRow {
  return {
    key: `3-${100 + number}`, number, state: 'complete', value: 0.5, params: {}, steps: [], values: [], startedAt: 1000, completedAt: 2000,
    origin: null, pbt: null, retryOf: null, failReason: null, testAccuracy: null, worker: null, ...over,
  };
}

function model(trials: TrialRow[]): StudyModel {
  const distributions: Record<string, Distribution> = { lr: { type: 'float', low: 1e-4, high: 1, log: true }, act: { type: 'categorical', choices: ['relu', 'Tanh', 'elu'] } } as unknown as Record<string, Distribution>;
  return { key: '3-1', direction: 'maximize', summary: {} as StudyModel['summary'], trials, distributions, regions: [], cursor: 0, version: 0, finishedLog: [] };
}

const trials = [
  row(0, { value: 0.7, params: { lr: 0.01234567, act: 'relu' } }),
  row(1, { value: null, state: 'pruned', params: { lr: 0.5, act: 'Tanh' } }),
  row(2, { value: 0.9, params: { act: 'elu' } }),
  row(3, { value: 0.7, params: { lr: 0.001, act: 'relu' } }),
  row(4, { value: 0.2, state: 'failed', params: { lr: 0.01234, act: 'elu' } }),
];
const all = Uint32Array.from([0, 1, 2, 3, 4]);

test('order: numbers either way with missing values last and ties by trial number; text by localeCompare', () => {
  const index = new TableIndex(model(trials));
  assert.deepEqual([...index.order(all, 'value', false)], [4, 0, 3, 2, 1]);
  assert.deepEqual([...index.order(all, 'value', true)], [2, 0, 3, 4, 1]);
  assert.deepEqual([...index.order(all, 'param:lr', false)], [3, 4, 0, 1, 2]);
  assert.deepEqual([...index.order(all, 'param:lr', true)], [1, 0, 4, 3, 2]);
  assert.deepEqual([...index.order(all, 'param:act', false)], [2, 4, 0, 3, 1], 'elu, relu, Tanh');
  assert.deepEqual([...index.order(all, 'state', false)], [0, 2, 3, 4, 1]);
  assert.deepEqual([...index.order(Uint32Array.from([1, 3, 4]), 'number', true)], [4, 3, 1]);
});

test('matches: a parameter as the table shows it, the state, or the trial number; a replaced row is read afresh', () => {
  const m = model([...trials]);
  const index = new TableIndex(m);
  const names = ['lr', 'act'];
  const hits = (text: string) => m.trials.filter(index.matcher(text, names)).map((t) => t.number);
  assert.deepEqual(hits('0.01235'), [0], 'four significant digits, as shown');
  assert.deepEqual(hits('0.0123'), [0, 4]);
  assert.deepEqual(hits('tanh'), [1]);
  assert.deepEqual(hits('pruned'), [1]);
  assert.deepEqual(hits('3'), [0, 3, 4], 'trial 3, and values showing a 3');
  assert.deepEqual(hits('–'), [2], 'a missing parameter reads as a dash');
  m.trials[2] = row(2, { params: { lr: 0.25, act: 'elu' } });
  m.version++;
  assert.deepEqual(hits('0.25'), [2]);
  assert.deepEqual(hits('–'), []);
});
