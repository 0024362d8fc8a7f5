/**
 * A parameter drawn on its own scale, as the tuner samples it: a log axis
 * for a log parameter, and for the 1 - beta scale a log axis of 1 - beta,
 * reversed so that beta grows along it, with its ticks labelled in beta
 * (0.9, 0.99, 0.999). Categorical parameters get a category axis.
 */
import type { Distribution, ParamValue } from '../api-types.js';
import { num, param } from './format.js';

export interface ParamAxis {
  readonly type: 'value' | 'log' | 'category';
  /** The axis title. */
  readonly title: string;
  /** A parameter value where the axis puts it (null: not drawable here). */
  toAxis(v: ParamValue | undefined): number | string | null;
  readonly inverse: boolean;
  readonly categories?: string[];
  /** Tick labels, in the parameter's own values. */
  label(v: number | string): string;
}

export function paramAxis(name: string, d: Distribution | undefined): ParamAxis {
  const numeric = (v: ParamValue | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  if (d?.type === 'categorical') {
    const categories = d.choices.map((c) => param(c));
    return { type: 'category', title: name, categories, inverse: false, toAxis: (v) => (v === undefined ? null : param(v)), label: (v) => String(v) };
  }
  if (d?.type === 'float' && d.scale === 'oneMinusBeta') {
    return {
      type: 'log',
      title: `${name} (1 − β scale)`,
      inverse: true,
      toAxis: (v) => {
        const x = numeric(v);
        return x === null || x >= 1 ? null : 1 - x;
      },
      label: (v) => num(1 - Number(v), 6),
    };
  }
  if (d && d.scale === 'log') {
    return { type: 'log', title: `${name} (log)`, inverse: false, toAxis: (v) => { const x = numeric(v); return x !== null && x > 0 ? x : null; }, label: (v) => num(Number(v)) };
  }
  return { type: 'value', title: name, inverse: false, toAxis: numeric, label: (v) => num(Number(v)) };
}

/** ECharts axis settings for a parameter axis (cartesian or parallel). */
export function axisOption(axis: ParamAxis): Record<string, unknown> {
  return {
    type: axis.type,
    name: axis.title,
    inverse: axis.inverse,
    ...(axis.categories ? { data: axis.categories } : { scale: true }),
    ...(axis.type === 'log' ? { logBase: 10 } : {}),
    // Every category keeps its label (ECharts would skip some to avoid overlap); numbers may drop a colliding one.
    axisLabel: axis.categories ? { formatter: (v: number | string) => axis.label(v), interval: 0 } : { formatter: (v: number | string) => axis.label(v), hideOverlap: true },
  };
}

/** The step of about `target` ticks over `span`: 1, 2 or 5 times a power of ten (at least 1 when `integer`). */
function niceStep(span: number, target: number, integer: boolean): number {
  const raw = span / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * power).find((s) => s >= raw) ?? 10 * power;
  return integer ? Math.max(1, Math.round(step)) : step;
}

/**
 * A value axis over the data range [lo, hi] that draws every point inside
 * it, none on an edge: ticks every `interval` (1, 2 or 5 times a power of
 * ten; whole numbers on a trial or epoch axis), the ends one tick outside the
 * data rounded to a tick, so labels are evenly spaced and never collide (an
 * end that is not a tick would get a label of its own next to the nearest
 * one: 0.35 under 0.4). On an integer axis the ends pad by half a step
 * instead and carry no label, so the first trial's dot is not cut by the axis
 * and no axis starts at a trial -1.
 *
 * @example valueAxis(0.612, 0.871) // { min: 0.6, max: 0.9, interval: 0.1, axisLabel }
 */
export function valueAxis(lo: number, hi: number, options: { integer?: boolean; ticks?: number } = {}): { min: number; max: number; interval?: number; minInterval?: number; axisLabel: Record<string, unknown> } {
  const integer = options.integer ?? false;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (hi < lo) [lo, hi] = [hi, lo];
  const span = hi - lo || Math.abs(hi) || 1;
  const interval = niceStep(span, options.ticks ?? 5, integer);
  // Tick labels carry the step's digits: 0.05 -> 2 decimals; floating error (0.30000000000000004) never shows.
  const decimals = Math.max(0, -Math.floor(Math.log10(interval) + 1e-9));
  const text = (v: number) => (Math.abs(v) >= 1e6 || (v !== 0 && Math.abs(v) < 1e-6) ? num(v) : Number(v.toFixed(Math.min(decimals + 1, 12))).toString());
  if (integer) {
    const pad = Math.max(0.5, span * 0.02);
    return {
      // No fixed interval here: ECharts counts a fixed one from the axis' end (-0.5, 0.5, 1.5, ...); minInterval keeps its own ticks whole.
      min: lo - pad, max: hi + pad, minInterval: 1,
      // The padded ends are not whole numbers: only ticks on the step, inside the data, get a label.
      axisLabel: { showMinLabel: false, showMaxLabel: false, formatter: (v: number) => (Number.isInteger(v) && v >= lo && v <= hi ? String(v) : '') },
    };
  }
  // Strictly outside the data: a point (or the best-so-far line) on the highest value sits below the top edge.
  const min = (Math.ceil(lo / interval - 1e-9) - 1) * interval;
  const max = (Math.floor(hi / interval + 1e-9) + 1) * interval;
  return { min: Number(min.toPrecision(12)), max: Number(max.toPrecision(12)), interval, axisLabel: { formatter: text } };
}
