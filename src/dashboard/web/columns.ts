/**
 * Reads `GET /api/studies/:key/trials` (the study's trials as columns, see
 * `TrialColumnsHeader`) back into the rows the page's charts and table use.
 * No parsing of numbers: each column is a typed-array view on the answer.
 *
 * A row's parameters and learning curve stay in the columns until something
 * asks for them (a getter makes them then, once): at 100,000 trials, making
 * 200,000 arrays and 100,000 objects up front took a few hundred
 * milliseconds, and the charts that read every curve (the curves chart's
 * band, each pruned trial's last value) read them in place with
 * `curvePoints`.
 */
import type { ColumnRef, OriginRow, ParamValue, TrialColumnsHeader, TrialRow, TrialState } from '../api-types.js';

type Column = Float64Array | Uint32Array | Int32Array | Uint8Array;

function view(buffer: ArrayBuffer, ref: ColumnRef | undefined, name: string): Column {
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

const orNull = (v: number) => (v !== v ? null : v);

/** What the rows of one answer read lazily. */
interface Shared {
  readonly params: readonly { readonly name: string; readonly choices: readonly ParamValue[] | null; readonly column: Column }[];
  readonly paramByName: ReadonlyMap<string, Shared['params'][number]>;
  readonly curveStart: Column;
  readonly step: Float64Array | Uint32Array;
  /** NaN where the value is not finite. */
  readonly curveValue: Float64Array;
}

/** A trial row whose parameters and curve are read from the columns when first asked for. */
class ColumnTrial implements TrialRow {
  #params: Record<string, ParamValue> | undefined;
  #steps: number[] | undefined;
  #values: (number | null)[] | undefined;

  constructor(
    readonly key: string,
    readonly number: number,
    readonly state: TrialState,
    readonly value: number | null,
    readonly startedAt: number | null,
    readonly completedAt: number | null,
    readonly origin: OriginRow | null,
    readonly pbt: { readonly member: number; readonly generation: number } | null,
    readonly retryOf: number | null,
    readonly failReason: string | null,
    readonly testAccuracy: number | null,
    readonly worker: string | null,
    /** Where its values are: the answer's columns and its row in them. */
    readonly source: { readonly shared: Shared; readonly row: number },
  ) {}

  /** One parameter's value, read in place. */
  param(name: string): ParamValue | undefined {
    if (this.#params) return this.#params[name];
    const p = this.source.shared.paramByName.get(name);
    const v = p ? p.column[this.source.row] : NaN;
    return v !== v ? undefined : p!.choices === null ? v : p!.choices[v];
  }

  get params(): Record<string, ParamValue> {
    if (this.#params) return this.#params;
    const own: Record<string, ParamValue> = {};
    for (const p of this.source.shared.params) {
      const v = p.column[this.source.row];
      if (v === v) own[p.name] = p.choices === null ? v : p.choices[v];
    }
    return (this.#params = own);
  }

  get steps(): number[] {
    return (this.#steps ??= Array.from(this.curve().steps));
  }

  get values(): (number | null)[] {
    return (this.#values ??= Array.from(this.curve().values, orNull));
  }

  /** Its intermediate values as views on the columns (NaN where not finite). */
  curve(): { steps: Float64Array | Uint32Array; values: Float64Array } {
    const { shared, row } = this.source;
    const [from, to] = [shared.curveStart[row], shared.curveStart[row + 1]];
    return { steps: shared.step.subarray(from, to), values: shared.curveValue.subarray(from, to) };
  }
}

/**
 * A trial's intermediate values as they are held: views on the columns for a
 * row that came in them (a value that is not finite is NaN), the row's own
 * arrays otherwise (null). Reading them makes no array.
 *
 * @example
 *   const { steps, values } = curvePoints(t);
 *   for (let i = 0; i < steps.length; i++) if (values[i] !== null && values[i] === values[i]) use(steps[i], values[i]);
 */
export function curvePoints(t: TrialRow): { steps: ArrayLike<number>; values: ArrayLike<number | null> } {
  return t instanceof ColumnTrial ? t.curve() : { steps: t.steps, values: t.values };
}

/**
 * A trial's parameter `name`, read in place for a row that came in columns
 * (its `params` object is made only when something asks for all of them):
 * sorting or filtering 100,000 trials by a parameter makes no object per trial.
 *
 * @example paramOf(t, 'learningRate') // 0.0031, or undefined when the trial lacks it
 */
export function paramOf(t: TrialRow, name: string): ParamValue | undefined {
  return t instanceof ColumnTrial ? t.param(name) : t.params[name];
}

/**
 * The header and every trial as a `TrialRow`, in trial-number order.
 *
 * @example const { header, trials } = decodeTrialColumns(await getBytes(`/api/studies/${key}/trials`));
 */
export function decodeTrialColumns(buffer: ArrayBuffer): { header: TrialColumnsHeader; trials: TrialRow[] } {
  const headerLength = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headerLength))) as TrialColumnsHeader;
  const c = (name: string) => view(buffer, header.columns[name], name);
  const [id, number, state, value, startedAt, completedAt, testAccuracy, worker] =
    ['id', 'number', 'state', 'value', 'startedAt', 'completedAt', 'testAccuracy', 'worker'].map(c);
  const params = header.params.map((p, k) => ({ name: p.name, choices: p.choices, column: c(`param.${k}`) }));
  const shared: Shared = {
    params,
    paramByName: new Map(params.map((p) => [p.name, p])),
    curveStart: c('curveStart'),
    step: c('step') as Float64Array | Uint32Array,
    curveValue: c('curveValue') as Float64Array,
  };
  const extras = new Map(header.extras.map((e) => [e.row, e]));
  const trials: TrialRow[] = new Array(header.count);
  for (let r = 0; r < header.count; r++) {
    const extra = extras.get(r);
    trials[r] = new ColumnTrial(
      header.keyPrefix + id[r], number[r], header.states[state[r]], orNull(value[r]), orNull(startedAt[r]), orNull(completedAt[r]),
      extra?.origin ?? null, extra?.pbt ?? null, extra?.retryOf ?? null, extra?.failReason ?? null,
      orNull(testAccuracy[r]), worker[r] < 0 ? null : header.workers[worker[r]],
      { shared, row: r },
    );
  }
  return { header, trials };
}
