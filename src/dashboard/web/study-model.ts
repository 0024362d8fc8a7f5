/** A study as the page holds it: loaded once, then kept current by the live stream. */
import type { Direction, Distribution, RegionRow, StudyDetail, StudySummary, TrialRow, TrialsEvent } from '../api-types.js';
import { curvePoints } from './columns.js';

export interface StudyModel {
  readonly key: string;
  readonly direction: Direction;
  summary: StudySummary;
  /** By trial number. */
  trials: TrialRow[];
  distributions: Record<string, Distribution>;
  regions: readonly RegionRow[];
  cursor: number;
  /** Bumped on every change, so views can tell whether to redraw. */
  version: number;
}

export function studyModel(d: StudyDetail): StudyModel {
  const trials: TrialRow[] = [];
  for (const t of d.trials) trials[t.number] = t;
  return { key: d.summary.key, direction: d.summary.direction, summary: d.summary, trials, distributions: { ...d.distributions }, regions: d.regions, cursor: d.cursor, version: 0 };
}

/** Applies one live batch. */
export function applyEvent(m: StudyModel, e: TrialsEvent): void {
  // After a reset the event holds the whole study: trials a database crash rolled back must go.
  if (e.reset) m.trials = [];
  for (const t of e.trials) m.trials[t.number] = t;
  m.distributions = { ...e.distributions };
  m.summary = e.summary;
  m.regions = e.regions;
  m.cursor = e.cursor;
  m.version++;
}

/** Parameter names to draw, in a stable order (the order they first appear). */
export function paramNames(m: StudyModel): string[] {
  return Object.keys(m.distributions);
}

/** A trial's last intermediate value and its step, or undefined when it reported none (read in place: `curvePoints`). */
export function lastPoint(t: TrialRow): [step: number, value: number] | undefined {
  const { steps, values } = curvePoints(t);
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (v !== null && v === v) return [steps[i], v];
  }
  return undefined;
}
