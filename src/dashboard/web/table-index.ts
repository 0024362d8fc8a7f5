/**
 * What the trials table sorts and filters by, kept between clicks: at
 * 100,000 trials, a comparator sort of row objects and formatting 500,000
 * parameter values at each keystroke took 250-440 ms on the 2-core machine.
 *
 * - Sort keys: one Float64Array per column, by trial number, made once per
 *   version of the study (text columns as the rank of their text), and a
 *   sort of trial numbers by it.
 * - Filter: each trial's parameters as the table shows them, in lower case,
 *   made once per row object (rows are replaced, never changed, when a live
 *   event brings them) and ahead of time when the page is idle.
 */
import type { TrialRow } from '../api-types.js';
import { paramOf } from './columns.js';
import { param } from './format.js';
import { paramNames, type StudyModel } from './study-model.js';

export type SortKey = 'number' | 'state' | 'value' | 'duration' | 'testAccuracy' | `param:${string}`;

/** What a filter's text is matched against: parameters and state, never containing this separator. */
const SEP = '\u0001';

export class TableIndex {
  private keys = new Map<SortKey, { version: number; keys: Float64Array }>();
  /** By trial number: the row a text was made from (a live event replaces the row), and its text. */
  private textRows: (TrialRow | undefined)[] = [];
  private texts: string[] = [];
  private textNames = '';
  private warming = false;

  constructor(private readonly model: StudyModel) {}

  /**
   * Trial numbers of `rows` (trials of the model) in the order of `key`:
   * missing values last in either direction, ties by trial number.
   *
   * @example index.order(filtered, 'param:learningRate', true) // Uint32Array of trial numbers
   */
  order(rows: Uint32Array, key: SortKey, descending: boolean): Uint32Array {
    const k = this.sortKeys(key);
    const sign = descending ? -1 : 1;
    // The rows' keys side by side with them, signed, so the comparator reads two numbers.
    const own = new Float64Array(this.model.trials.length);
    for (let i = 0; i < rows.length; i++) own[rows[i]] = sign * k[rows[i]];
    return rows.slice().sort((a, b) => {
      const x = own[a];
      const y = own[b];
      if (x !== x) return y !== y ? a - b : 1;
      if (y !== y) return -1;
      return x - y || a - b;
    });
  }

  /**
   * A test of whether a trial shows `text` (lower case) in a parameter or its state, or is trial number `text`.
   *
   * @example const matches = index.matcher('0.99', paramNames(m)); trials.filter(matches)
   */
  matcher(text: string, names: readonly string[]): (t: TrialRow) => boolean {
    this.useNames(names);
    const number = /^\d+$/.test(text) ? Number(text) : -1;
    return (t) => t.number === number || this.text(t, names).includes(text);
  }

  /** Makes the filter's texts in idle time, a few milliseconds at a time, so that the first filter finds them made. */
  warm(): void {
    if (this.warming) return;
    this.warming = true;
    let next = 0;
    const work = (deadline: Idle) => {
      const trials = this.model.trials;
      const names = paramNames(this.model);
      this.useNames(names);
      while (next < trials.length && deadline.timeRemaining() > 1) {
        for (const end = Math.min(trials.length, next + 500); next < end; next++) if (trials[next]) this.text(trials[next], names);
      }
      if (next < trials.length) whenIdle(work);
      else this.warming = false;
    };
    whenIdle(work);
  }

  /** The texts are made for these parameters: others (a parameter first seen in a live event) make them again. */
  private useNames(names: readonly string[]): void {
    const joined = names.join(SEP);
    if (joined === this.textNames) return;
    this.textRows = [];
    this.texts = [];
    this.textNames = joined;
  }

  private text(t: TrialRow, names: readonly string[]): string {
    if (this.textRows[t.number] === t) return this.texts[t.number];
    let s = t.state;
    for (const n of names) s += SEP + param(paramOf(t, n)).toLowerCase();
    this.textRows[t.number] = t;
    return (this.texts[t.number] = s);
  }

  /** Each trial's key for `key`, by trial number: NaN where it has none. */
  private sortKeys(key: SortKey): Float64Array {
    const cached = this.keys.get(key);
    if (cached?.version === this.model.version) return cached.keys;
    const trials = this.model.trials;
    const keys = new Float64Array(trials.length).fill(NaN);
    const numeric = (f: (t: TrialRow) => number | null) => {
      for (let i = 0; i < trials.length; i++) {
        const t = trials[i];
        const v = t ? f(t) : null;
        if (v !== null) keys[i] = v;
      }
    };
    if (key === 'number') numeric((t) => t.number);
    else if (key === 'value') numeric((t) => t.value);
    else if (key === 'testAccuracy') numeric((t) => t.testAccuracy);
    else if (key === 'duration') numeric((t) => (t.startedAt && t.completedAt ? t.completedAt - t.startedAt : null));
    else if (key === 'state') ranked(trials, (t) => t.state, keys);
    else {
      const name = key.slice(6);
      const values = trials.map((t) => (t ? paramOf(t, name) : undefined));
      if (values.every((v) => v === undefined || v === null || typeof v === 'number')) numeric((t) => (values[t.number] as number | null | undefined) ?? null);
      else ranked(trials, (t) => values[t.number], keys);
    }
    this.keys.set(key, { version: this.model.version, keys });
    return keys;
  }
}

type Idle = { timeRemaining(): number };
/** requestIdleCallback where there is one (the page); a timer of 8 ms slices elsewhere (this file is also tested in Node). */
const whenIdle: (work: (deadline: Idle) => void) => void =
  (globalThis as { requestIdleCallback?: (work: (deadline: Idle) => void) => number }).requestIdleCallback?.bind(globalThis) ??
  ((work) =>
    setTimeout(() => {
      const end = performance.now() + 8;
      work({ timeRemaining: () => end - performance.now() });
    }, 0));

/** Keys as the rank of each value's text (localeCompare, as the table always compared text). */
function ranked(trials: readonly (TrialRow | undefined)[], value: (t: TrialRow) => unknown, keys: Float64Array): void {
  const texts: (string | undefined)[] = trials.map((t) => {
    const v = t ? value(t) : undefined;
    return v === undefined || v === null ? undefined : String(v);
  });
  const distinct = [...new Set(texts.filter((x): x is string => x !== undefined))].sort((a, b) => a.localeCompare(b));
  const rank = new Map(distinct.map((x, i) => [x, i]));
  texts.forEach((x, i) => {
    if (x !== undefined) keys[i] = rank.get(x)!;
  });
}
