/**
 * Reads `GET /api/studies/:key/trials` (the study's trials as columns, see
 * `TrialColumnsHeader`) back into the rows the page's charts and table use.
 * No parsing of numbers: each column is a typed-array view on the answer.
 */
import type { ColumnRef, ParamValue, TrialColumnsHeader, TrialRow } from '../api-types.js';

function view(buffer: ArrayBuffer, ref: ColumnRef | undefined, name: string): Float64Array | Uint32Array | Int32Array | Uint8Array {
  if (!ref) throw new Error(`the study's trials: no column '${name}'`);
  switch (ref.type) {
    case 'f64':
      return new Float64Array(buffer, ref.offset, ref.length);
    case 'u32':
      return new Uint32Array(buffer, ref.offset, ref.length);
    case 'i32':
      return new Int32Array(buffer, ref.offset, ref.length);
    case 'u8':
      return new Uint8Array(buffer, ref.offset, ref.length);
  }
}

const orNull = (v: number) => (Number.isNaN(v) ? null : v);

/**
 * The header and every trial as a `TrialRow`, in trial-number order.
 *
 * @example const { header, trials } = decodeTrialColumns(await getBytes(`/api/studies/${key}/trials`));
 */
export function decodeTrialColumns(buffer: ArrayBuffer): { header: TrialColumnsHeader; trials: TrialRow[] } {
  const headerLength = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headerLength))) as TrialColumnsHeader;
  const c = (name: string) => view(buffer, header.columns[name], name);
  const [id, number, state, value, startedAt, completedAt, testAccuracy, worker, curveStart, step, curveValue] =
    ['id', 'number', 'state', 'value', 'startedAt', 'completedAt', 'testAccuracy', 'worker', 'curveStart', 'step', 'curveValue'].map(c);
  const params = header.params.map((p, k) => ({ name: p.name, choices: p.choices, column: c(`param.${k}`) }));
  const extras = new Map(header.extras.map((e) => [e.row, e]));
  const trials: TrialRow[] = new Array(header.count);
  for (let r = 0; r < header.count; r++) {
    const own: Record<string, ParamValue> = {};
    for (const p of params) {
      const v = p.column[r];
      if (!Number.isNaN(v)) own[p.name] = p.choices === null ? v : p.choices[v];
    }
    const from = curveStart[r];
    const to = curveStart[r + 1];
    const steps = new Array<number>(to - from);
    const values = new Array<number | null>(to - from);
    for (let i = from; i < to; i++) {
      steps[i - from] = step[i];
      values[i - from] = orNull(curveValue[i]);
    }
    const extra = extras.get(r);
    trials[r] = {
      key: header.keyPrefix + id[r],
      number: number[r],
      state: header.states[state[r]],
      value: orNull(value[r]),
      params: own,
      steps,
      values,
      startedAt: orNull(startedAt[r]),
      completedAt: orNull(completedAt[r]),
      origin: extra?.origin ?? null,
      pbt: extra?.pbt ?? null,
      retryOf: extra?.retryOf ?? null,
      failReason: extra?.failReason ?? null,
      testAccuracy: orNull(testAccuracy[r]),
      worker: worker[r] < 0 ? null : header.workers[worker[r]],
    };
  }
  return { header, trials };
}
