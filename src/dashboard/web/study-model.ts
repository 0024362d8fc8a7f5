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
  /**
   * The numbers of the trials that finished (or changed finished) since the
   * study was loaded, in order: what is kept from finished trials is brought
   * up to date from it (its length says how far). Loaded again (a reset), it
   * is a new list.
   */
  finishedLog: number[];
}

export function studyModel(d: StudyDetail): StudyModel {
  const trials: TrialRow[] = [];
  for (const t of d.trials) trials[t.number] = t;
  return { key: d.summary.key, direction: d.summary.direction, summary: d.summary, trials, distributions: { ...d.distributions }, regions: d.regions, cursor: d.cursor, version: 0, finishedLog: [] };
}

/** Applies one live batch (the trials in it replace those of the same numbers). */
export function applyEvent(m: StudyModel, e: TrialsEvent): void {
  for (const t of e.trials) {
    const old = m.trials[t.number];
    if (isFinished(t.state) || (old && isFinished(old.state))) m.finishedLog.push(t.number);
    m.trials[t.number] = t;
  }
  m.distributions = { ...e.distributions };
  m.summary = e.summary;
  m.regions = e.regions;
  m.cursor = e.cursor;
  m.version++;
}

/**
 * Replaces everything `m` holds by the study as loaded again (after a reset:
 * trials a database crash rolled back must go, not stay beside the others).
 * The model stays the same object, so the views that hold it see the change.
 */
export function replaceStudy(m: StudyModel, d: StudyDetail): void {
  const fresh = studyModel(d);
  m.summary = fresh.summary;
  m.trials = fresh.trials;
  m.distributions = fresh.distributions;
  m.regions = fresh.regions;
  m.cursor = fresh.cursor;
  m.version++;
  m.finishedLog = [];
}

function isFinished(state: TrialRow['state']): boolean {
  return state !== 'running' && state !== 'waiting';
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
