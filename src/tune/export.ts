/**
 * A study's trials as CSV (one row per trial, the columns of Optuna's
 * `trials_dataframe`) and as JSON (everything, intermediate values included),
 * for spreadsheets, notebooks and other tools.
 */
import { isFeasible } from './multi/constraints.js';
import type { Direction, FrozenTrial } from './types.js';

/** The JSON form of a study: plain data, `JSON.stringify`-ready. */
export interface StudyJson {
  readonly name: string;
  readonly direction: Direction;
  /** Multi-objective studies: one direction per objective. */
  readonly directions?: readonly Direction[];
  readonly userAttrs: Readonly<Record<string, unknown>>;
  readonly systemAttrs: Readonly<Record<string, unknown>>;
  readonly trials: readonly TrialJson[];
}

/** One trial in `StudyJson`. Intermediate values are `[step, value]` pairs (NaN becomes null). */
export interface TrialJson {
  readonly number: number;
  readonly state: FrozenTrial['state'];
  readonly value: number | null;
  /** Multi-objective studies: one value per objective (complete trials). */
  readonly values?: readonly number[];
  /** Constraint values, when the trial has them (<= 0 feasible). */
  readonly constraints?: readonly number[];
  readonly params: FrozenTrial['params'];
  readonly distributions: FrozenTrial['distributions'];
  readonly intermediate: readonly (readonly [number, number | null])[];
  readonly userAttrs: Readonly<Record<string, unknown>>;
  readonly systemAttrs: Readonly<Record<string, unknown>>;
  readonly startedAt: number | null;
  readonly completedAt: number | null;
}

/**
 * The JSON form of a study.
 *
 * @example
 *   const json = studyToJson({ name: 's', direction: 'minimize', userAttrs: {}, systemAttrs: {} }, study.trials());
 *   fs.writeFileSync('study.json', JSON.stringify(json, null, 2));
 */
export function studyToJson(
  study: {
    name: string; direction: Direction; directions?: readonly Direction[];
    userAttrs: Readonly<Record<string, unknown>>; systemAttrs: Readonly<Record<string, unknown>>;
  },
  trials: readonly FrozenTrial[],
): StudyJson {
  return {
    name: study.name,
    direction: study.direction,
    ...(study.directions && study.directions.length > 1 ? { directions: study.directions } : {}),
    userAttrs: study.userAttrs,
    systemAttrs: study.systemAttrs,
    trials: trials.map((t) => ({
      number: t.number,
      state: t.state,
      value: t.value ?? null,
      ...(t.values ? { values: t.values } : {}),
      ...(t.constraints ? { constraints: t.constraints } : {}),
      params: t.params,
      distributions: t.distributions,
      intermediate: [...t.intermediate.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([s, v]) => [s, Number.isFinite(v) ? v : null] as const),
      userAttrs: t.userAttrs,
      systemAttrs: t.systemAttrs,
      startedAt: t.startedAt ?? null,
      completedAt: t.completedAt ?? null,
    })),
  };
}

/**
 * CSV with a header row: number, state, value, datetime_start,
 * datetime_complete, duration_ms, then `params_<name>` and
 * `user_attrs_<key>` for every name any trial has (sorted), then
 * fail_reason and retry_of. In a multi-objective study, `values_0`,
 * `values_1`, ... replace `value` (as in Optuna); trials with constraints add
 * a `constraints` column (JSON) and `feasible`.
 *
 * @example
 *   trialsToCsv(study.trials()).split('\n')[0]; // 'number,state,value,datetime_start,...,params_lr,...'
 */
export function trialsToCsv(trials: readonly FrozenTrial[]): string {
  const paramNames = [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort();
  const attrNames = [...new Set(trials.flatMap((t) => Object.keys(t.userAttrs)))].sort();
  const objectives = Math.max(0, ...trials.map((t) => t.values?.length ?? 0));
  const constrained = trials.some((t) => t.constraints !== undefined);
  const header = [
    'number',
    'state',
    ...(objectives > 0 ? Array.from({ length: objectives }, (_, i) => `values_${i}`) : ['value']),
    ...(constrained ? ['constraints', 'feasible'] : []),
    'datetime_start',
    'datetime_complete',
    'duration_ms',
    ...paramNames.map((n) => `params_${n}`),
    ...attrNames.map((n) => `user_attrs_${n}`),
    'fail_reason',
    'retry_of',
  ];
  const rows = trials.map((t) => [
    t.number,
    t.state,
    ...(objectives > 0 ? Array.from({ length: objectives }, (_, i) => t.values?.[i]) : [t.value]),
    ...(constrained ? [t.constraints, t.constraints ? isFeasible(t) : undefined] : []),
    t.startedAt === undefined ? undefined : new Date(t.startedAt).toISOString(),
    t.completedAt === undefined ? undefined : new Date(t.completedAt).toISOString(),
    t.startedAt !== undefined && t.completedAt !== undefined ? t.completedAt - t.startedAt : undefined,
    ...paramNames.map((n) => t.params[n]),
    ...attrNames.map((n) => t.userAttrs[n]),
    t.systemAttrs.failReason,
    t.systemAttrs.retryOf,
  ]);
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

/** One CSV field: empty for missing, JSON for objects, quoted when it holds a comma, quote or newline. */
function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
