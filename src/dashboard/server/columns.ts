/**
 * A study's trials as columns (`TrialColumnsHeader` in api-types.ts): the
 * answer the study page loads. Built from the same rows as the JSON answer
 * (`StudyMirror.row`, seven significant digits), so both say the same;
 * typed arrays instead of text, so a 100,000-trial study is 23 MB that the
 * page reads without parsing, against 46 MB of JSON that took seconds to
 * parse.
 */
import type { ColumnRef, ParamValue, StudyDetail, TrialColumnsHeader, TrialExtras, TrialRow, TrialState } from '../api-types.js';

const STATES: readonly TrialState[] = ['waiting', 'running', 'complete', 'pruned', 'failed'];

type Typed = Float64Array | Uint32Array | Int32Array | Uint8Array;
const TYPE_OF = (a: Typed): ColumnRef['type'] => (a instanceof Float64Array ? 'f64' : a instanceof Uint32Array ? 'u32' : a instanceof Int32Array ? 'i32' : 'u8');
const nan = (v: number | null) => (v === null ? NaN : v);

/**
 * The binary answer for a study whose detail is `detail` (its `trials`
 * become the columns).
 *
 * @example
 *   const bytes = encodeTrialColumns(detail, '0-');
 *   const { header, trials } = decodeTrialColumns(bytes.buffer); // web/columns.ts: the same rows back
 */
export function encodeTrialColumns(detail: StudyDetail, keyPrefix: string): Buffer {
  const rows = detail.trials;
  const n = rows.length;
  const columns: Record<string, Typed> = {
    id: new Float64Array(n),
    number: new Float64Array(n),
    state: new Uint8Array(n),
    value: new Float64Array(n),
    startedAt: new Float64Array(n),
    completedAt: new Float64Array(n),
    testAccuracy: new Float64Array(n),
    worker: new Int32Array(n),
    curveStart: new Uint32Array(n + 1),
  };
  const workers: string[] = [];
  const workerIndex = new Map<string, number>();
  const extras: TrialExtras[] = [];
  // Parameters in the order they first appear; each a column of numbers, or of indexes into its choices when
  // some value is not a number (a categorical parameter of strings or booleans).
  const names: string[] = [];
  const seen = new Set<string>();
  let points = 0;
  for (const t of rows) {
    for (const k of Object.keys(t.params)) if (!seen.has(k)) seen.add(k), names.push(k);
    points += t.steps.length;
  }
  const params = names.map((name) => {
    const numeric = rows.every((t) => t.params[name] === undefined || typeof t.params[name] === 'number');
    return { name, choices: numeric ? null : ([] as ParamValue[]), index: new Map<ParamValue, number>(), column: new Float64Array(n) };
  });
  // Steps are epochs: whole numbers, as four bytes each when they all fit (half the eight of a double).
  const wholeSteps = rows.every((t) => t.steps.every((s) => Number.isInteger(s) && s >= 0 && s <= 0xffffffff));
  const steps = wholeSteps ? new Uint32Array(points) : new Float64Array(points);
  const values = new Float64Array(points);
  let at = 0;
  rows.forEach((t: TrialRow, r) => {
    (columns.id as Float64Array)[r] = Number(t.key.slice(keyPrefix.length));
    (columns.number as Float64Array)[r] = t.number;
    (columns.state as Uint8Array)[r] = STATES.indexOf(t.state);
    (columns.value as Float64Array)[r] = nan(t.value);
    (columns.startedAt as Float64Array)[r] = nan(t.startedAt);
    (columns.completedAt as Float64Array)[r] = nan(t.completedAt);
    (columns.testAccuracy as Float64Array)[r] = nan(t.testAccuracy);
    if (t.worker !== null && !workerIndex.has(t.worker)) workerIndex.set(t.worker, workers.push(t.worker) - 1);
    (columns.worker as Int32Array)[r] = t.worker === null ? -1 : workerIndex.get(t.worker)!;
    for (const p of params) {
      const v = t.params[p.name];
      if (v === undefined) p.column[r] = NaN;
      else if (p.choices === null) p.column[r] = v as number;
      else {
        if (!p.index.has(v)) p.index.set(v, p.choices.push(v) - 1);
        p.column[r] = p.index.get(v)!;
      }
    }
    (columns.curveStart as Uint32Array)[r] = at;
    for (let i = 0; i < t.steps.length; i++, at++) {
      steps[at] = t.steps[i];
      values[at] = nan(t.values[i]);
    }
    if (t.origin || t.pbt || t.retryOf !== null || t.failReason !== null) {
      extras.push({
        row: r,
        ...(t.origin ? { origin: t.origin } : {}),
        ...(t.pbt ? { pbt: t.pbt } : {}),
        ...(t.retryOf !== null ? { retryOf: t.retryOf } : {}),
        ...(t.failReason !== null ? { failReason: t.failReason } : {}),
      });
    }
  });
  (columns.curveStart as Uint32Array)[n] = at;
  params.forEach((p, k) => (columns[`param.${k}`] = p.column));
  columns.step = steps;
  columns.curveValue = values;

  // Lay the columns out after the header, each at a multiple of 8 (a Float64Array view needs it).
  const refs: Record<string, ColumnRef> = {};
  const { trials: _, ...study } = detail;
  const headerOf = (offsetBase: number): Buffer => {
    let offset = offsetBase;
    for (const [name, a] of Object.entries(columns)) {
      refs[name] = { type: TYPE_OF(a), offset, length: a.length };
      offset += Math.ceil(a.byteLength / 8) * 8;
    }
    const header: TrialColumnsHeader = {
      ...study, count: n, keyPrefix, states: STATES, workers, extras, columns: refs,
      params: params.map((p) => ({ name: p.name, choices: p.choices })),
    };
    return Buffer.from(JSON.stringify(header), 'utf8');
  };
  // The offsets are written in the header, whose length moves them: grow the room for it until it fits.
  let room = 4096;
  let header = headerOf(room);
  while (4 + header.length > room) {
    room = Math.ceil((4 + header.length) / 8) * 8 + 64;
    header = headerOf(room);
  }
  const last = Object.values(refs).reduce((end, r) => Math.max(end, r.offset + r.length * bytesOf(r.type)), room);
  const out = Buffer.alloc(Math.ceil(last / 8) * 8);
  out.writeUInt32LE(header.length, 0);
  header.copy(out, 4);
  for (const [name, a] of Object.entries(columns)) out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), refs[name].offset);
  return out;
}

function bytesOf(type: ColumnRef['type']): number {
  return type === 'f64' ? 8 : type === 'u8' ? 1 : 4;
}
