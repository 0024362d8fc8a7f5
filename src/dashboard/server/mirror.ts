/**
 * One study as the dashboard holds it in memory: every trial, kept current
 * through the storage's `trialsSince` (only what changed since the last read
 * crosses the wire), and the derived rows and summary the API serves, cached
 * until the next change. Live feeds listen to it, so a change that an HTTP
 * request happens to pick up first still reaches every watching page.
 */
import type { Storage, StudyRecord } from '../../tune/storage/storage.js';
import type { Distribution, FrozenTrial, ParamValue, TrialState } from '../../tune/types.js';
import { COARSE_TO_FINE_ATTR } from '../../tune/samplers/coarse-to-fine.js';
import { isBetter, isRanked } from '../../tune/rank.js';
import type { OriginRow, RegionRow, StudySummary, TrialRow } from '../api-types.js';

/** What one refresh found: the trials that changed, and whether the study's own attributes did. */
export interface MirrorChange {
  readonly trials: readonly FrozenTrial[];
  readonly studyChanged: boolean;
  readonly cursor: number;
  /** The storage lost commits the mirror had seen (a database crash): `trials` is now the whole study. */
  readonly reset: boolean;
}

const STATES: readonly TrialState[] = ['waiting', 'running', 'complete', 'pruned', 'failed'];

export class StudyMirror {
  /** Trials by number. */
  readonly trials: FrozenTrial[] = [];
  readonly byId = new Map<number, FrozenTrial>();
  /** The cursor after the refresh that last brought each trial (by number): what a late subscriber has missed. */
  private readonly stampOf: number[] = [];
  private readonly rowOf: (TrialRow | undefined)[] = [];
  cursor = 0;
  /** The cursor of the last reset (0: none): a reader from before it must drop what it holds. */
  resetAt = 0;
  private lastRefresh = 0;
  private inflight: Promise<void> | undefined;
  private readonly listeners = new Set<(change: MirrorChange) => void>();
  private derived: { cursor: number; summary: StudySummary; distributions: Record<string, Distribution> } | undefined;

  constructor(
    readonly storage: Storage,
    readonly storeIndex: number,
    public record: StudyRecord,
  ) {}

  get key(): string {
    return `${this.storeIndex}-${this.record.id}`;
  }

  trialKey(trialId: number): string {
    return `${this.storeIndex}-${trialId}`;
  }

  /** Calls `listener` after every refresh that found a change; returns the unsubscribe function. */
  onChange(listener: (change: MirrorChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reads what changed since the last read, unless that read is younger than
   * `maxAgeMs`. Concurrent callers share one read.
   */
  async refresh(maxAgeMs = 200): Promise<void> {
    if (this.inflight) return this.inflight;
    if (Date.now() - this.lastRefresh < maxAgeMs) return;
    this.inflight = this.read().finally(() => {
      this.inflight = undefined;
      this.lastRefresh = Date.now();
    });
    return this.inflight;
  }

  private async read(): Promise<void> {
    const page = await this.storage.trialsSince(this.record.id, this.cursor);
    if (page.trials.length === 0 && !page.study && page.cursor === this.cursor && !page.reset) return;
    if (page.reset) {
      // The storage lost commits this mirror had seen (a database crash): what it holds now is the whole study.
      this.trials.length = 0;
      this.byId.clear();
      this.stampOf.length = 0;
      this.rowOf.length = 0;
      this.resetAt = page.cursor;
    }
    for (const t of page.trials) {
      const old = this.trials[t.number];
      if (old) this.byId.delete(old.id);
      this.trials[t.number] = t;
      this.byId.set(t.id, t);
      this.stampOf[t.number] = page.cursor;
      this.rowOf[t.number] = undefined;
    }
    if (page.study) this.record = page.study;
    this.cursor = page.cursor;
    const change: MirrorChange = { trials: page.trials, studyChanged: page.study !== undefined, cursor: page.cursor, reset: page.reset === true };
    for (const listener of this.listeners) listener(change);
  }

  /** Trials that changed after cursor `since` (every trial when `since` is 0, ahead of this mirror, or before its last reset). */
  trialsAfter(since: number): FrozenTrial[] {
    if (since <= 0 || since > this.cursor || since < this.resetAt) return this.trials.filter(Boolean);
    return this.trials.filter((t, n) => t && this.stampOf[n] > since);
  }

  row(t: FrozenTrial): TrialRow {
    const cached = this.rowOf[t.number];
    if (cached && this.trials[t.number] === t) return cached;
    const row = trialRow(t, this);
    if (this.trials[t.number] === t) this.rowOf[t.number] = row;
    return row;
  }

  /** The trial with this number's key, or null when it is not (yet) known. */
  keyOfNumber(n: unknown): string | null {
    return typeof n === 'number' && this.trials[n] ? this.trialKey(this.trials[n].id) : null;
  }

  summary(location: string): StudySummary {
    return this.derive(location).summary;
  }

  distributions(location: string): Record<string, Distribution> {
    return this.derive(location).distributions;
  }

  regions(): RegionRow[] {
    const stored = this.record.systemAttrs[COARSE_TO_FINE_ATTR];
    return Array.isArray(stored) ? (stored as RegionRow[]) : [];
  }

  private derive(location: string) {
    if (this.derived && this.derived.cursor === this.cursor) return this.derived;
    const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<TrialState, number>;
    let best: FrozenTrial | undefined;
    let last = this.record.createdAt;
    const distributions: Record<string, Distribution> = {};
    for (const t of this.trials) {
      if (!t) continue;
      counts[t.state]++;
      // Trials come in number order: a strict improvement keeps the earlier of equals, as rank.ts ranks.
      if (isRanked(t) && (!best || isBetter(this.record.direction, t.value, best.value!))) best = t;
      last = Math.max(last, t.completedAt ?? 0, t.startedAt ?? 0);
      for (const [name, d] of Object.entries(t.distributions)) distributions[name] = mergeDistribution(distributions[name], d);
    }
    const summary: StudySummary = {
      key: this.key,
      name: this.record.name,
      storage: location,
      direction: this.record.direction,
      state: counts.running > 0 ? 'running' : counts.waiting > 0 ? 'waiting' : this.trials.length === 0 ? 'empty' : 'idle',
      counts,
      metric: metricName(this.record),
      best: best?.value ?? null,
      bestTrial: best?.number ?? null,
      lastActivity: last,
    };
    this.derived = { cursor: this.cursor, summary, distributions };
    return this.derived;
  }
}

/** What the study's values measure (see `StudySummary.metric`). */
export function metricName(record: StudyRecord): string {
  const data = record.data as { experiment?: { tune?: { metric?: unknown } }; source?: unknown } | null;
  const tuned = data && typeof data === 'object' ? data.experiment?.tune?.metric : undefined;
  if (typeof tuned === 'string' && tuned !== '') return tuned;
  if (typeof record.userAttrs.metric === 'string' && record.userAttrs.metric !== '') return record.userAttrs.metric;
  // A recorded experiment without tune.metric tunes its default.
  return data && typeof data === 'object' && data.experiment !== undefined && typeof data.source === 'string' ? 'devAccuracy' : 'objective value';
}

/** Numeric ranges widen to cover every trial's; anything else keeps the first seen. */
function mergeDistribution(a: Distribution | undefined, b: Distribution): Distribution {
  if (!a) return b;
  if (a.type === 'categorical' || b.type === 'categorical' || b.type !== a.type) return a;
  if (b.low >= a.low && b.high <= a.high) return a;
  return { ...a, low: Math.min(a.low, b.low), high: Math.max(a.high, b.high) } as Distribution;
}

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * Seven significant digits: the study page draws and tabulates these (showing
 * four), and full doubles would make a 10,000-trial study's answer 40% larger.
 * The trial page gets every value at full precision.
 */
function short(v: number | null): number | null {
  return v === null ? null : Number(v.toPrecision(7));
}

function shortParams(params: FrozenTrial['params']): FrozenTrial['params'] {
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(params)) out[k] = typeof v === 'number' && !Number.isInteger(v) ? short(v) : v;
  return out;
}

function trialRow(t: FrozenTrial, mirror: StudyMirror): TrialRow {
  const steps = [...t.intermediate.keys()].sort((a, b) => a - b);
  const pbt = t.systemAttrs.pbt as { member?: unknown; generation?: unknown } | undefined;
  return {
    key: mirror.trialKey(t.id),
    number: t.number,
    state: t.state,
    value: short(numberOrNull(t.value)),
    params: shortParams(t.params),
    steps,
    values: steps.map((s) => short(numberOrNull(t.intermediate.get(s)))),
    startedAt: t.startedAt ?? null,
    completedAt: t.completedAt ?? null,
    origin: originRow(t, mirror),
    pbt: pbt && typeof pbt.member === 'number' && typeof pbt.generation === 'number' ? { member: pbt.member, generation: pbt.generation } : null,
    retryOf: numberOrNull(t.systemAttrs.retryOf),
    failReason: typeof t.systemAttrs.failReason === 'string' ? t.systemAttrs.failReason : null,
    testAccuracy: short(numberOrNull(t.userAttrs.testAccuracy)),
    worker: workerName(t.systemAttrs.worker),
  };
}

/** `host pid 123 slot 2` from a recorded `{ host, pid, slot }`; a string as it is. */
function workerName(w: unknown): string | null {
  if (typeof w === 'string') return w === '' ? null : w;
  if (!w || typeof w !== 'object') return null;
  const { host, pid, slot } = w as { host?: unknown; pid?: unknown; slot?: unknown };
  const parts = [typeof host === 'string' ? host : '', typeof pid === 'number' ? `pid ${pid}` : '', typeof slot === 'number' ? `slot ${slot}` : ''].filter(Boolean);
  return parts.length === 0 ? null : parts.join(' ');
}

export function originRow(t: FrozenTrial, mirror: StudyMirror): OriginRow | null {
  const o = t.systemAttrs.origin as Record<string, unknown> | undefined;
  if (!o || typeof o !== 'object' || typeof o.checkpointId !== 'number' || typeof o.trial !== 'number') return null;
  return {
    checkpointId: o.checkpointId,
    trial: o.trial,
    trialKey: mirror.keyOfNumber(o.trial),
    step: numberOrNull(o.step) ?? 0,
    reason: typeof o.reason === 'string' ? o.reason : 'fork',
  };
}
