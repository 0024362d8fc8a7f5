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
    axisLabel: { formatter: (v: number | string) => axis.label(v), hideOverlap: true },
  };
}
