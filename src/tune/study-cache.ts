/**
 * A study's trials as this process knows them: every trial by number as the
 * storage last said, read incrementally (`trialsSince` past a cursor), with
 * this process's running trials laid over them (they are fresher), and the
 * views samplers and pruners read (`trials(states)`), kept until something
 * changes. study.ts asks and tells; this file remembers.
 */
import type { Storage, StudyRecord } from './storage/storage.js';
import type { Distribution, FrozenTrial, TrialState } from './types.js';

/** A trial this process runs: its snapshot overrides the stored one. */
export interface ActiveTrial {
  snapshot(): FrozenTrial;
}

/**
 * @example
 *   const cache = new TrialCache(storage, studyId, active, (record) => applyAttrs(record));
 *   await cache.refresh();
 *   cache.trials(['complete']).length;
 */
export class TrialCache {
  /** Trials by number, as storage last said. */
  private readonly byNumber: FrozenTrial[] = [];
  /** Where the next incremental read starts. */
  private cursor = 0;
  /** The first distribution seen of each parameter name (a new trial's suggest reuses it). */
  readonly known = new Map<string, Distribution>();
  private view: FrozenTrial[] | undefined;
  private readonly viewByStates = new Map<string, readonly FrozenTrial[]>();
  private pullInFlight: Promise<void> | undefined;
  private pullQueued: Promise<void> | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly studyId: number,
    /** Trials this study object is running, by number. */
    private readonly active: ReadonlyMap<number, ActiveTrial>,
    /** Called with the study's record when a read brings it (its attributes changed). */
    private readonly onStudy: (record: StudyRecord) => void,
  ) {}

  /** The trials in number order (optionally only those in `states`): the stored ones, running ones of this process as they are now. */
  trials(states?: readonly TrialState[]): readonly FrozenTrial[] {
    if (!this.view) {
      // Numbers are dense, so the cache is already in number order.
      const stored = this.byNumber.filter((t) => t !== undefined);
      this.view = this.active.size === 0 ? stored : stored.map((t) => this.active.get(t.number)?.snapshot() ?? t);
      this.viewByStates.clear();
    }
    if (!states) return this.view;
    const key = [...states].sort().join(',');
    let list = this.viewByStates.get(key);
    if (!list) this.viewByStates.set(key, (list = this.view.filter((t) => states.includes(t.state))));
    return list;
  }

  /** Trial `number` as storage last said, or undefined. */
  stored(number: number): FrozenTrial | undefined {
    return this.byNumber[number];
  }

  /** Forgets trial `number` when it is the one with `id` (what this process wrote of a trial the storage lost). */
  forget(number: number, id: number): void {
    if (this.byNumber[number]?.id === id) delete this.byNumber[number];
    this.view = undefined;
  }

  /** Something the views show changed (a trial of this process): they are rebuilt at the next read. */
  changed(): void {
    this.view = undefined;
  }

  /** Reads what changed in storage since the last read. Concurrent calls share one read. */
  refresh(): Promise<void> {
    if (!this.pullInFlight) {
      this.pullInFlight = this.pull().finally(() => (this.pullInFlight = undefined));
      return this.pullInFlight;
    }
    // A read is under way but may have started before the caller's change: queue one more.
    this.pullQueued ??= this.pullInFlight
      .catch(() => {})
      .then(() => {
        this.pullQueued = undefined;
        return this.refresh();
      });
    return this.pullQueued;
  }

  private async pull(): Promise<void> {
    let page = await this.storage.trialsSince(this.studyId, this.cursor);
    // Versions went back (a storage that does not flag it): nothing read since can be trusted.
    if (!page.reset && page.cursor < this.cursor) page = { ...(await this.storage.trialsSince(this.studyId, 0)), reset: true };
    if (page.reset) {
      // The storage lost commits this cache had seen: start again from what it holds now.
      this.byNumber.length = 0;
      this.view = undefined;
    }
    this.cursor = page.cursor;
    if (page.study) this.onStudy(page.study);
    if (page.trials.length === 0) return;
    for (const t of page.trials) {
      this.byNumber[t.number] = t;
      for (const [name, d] of Object.entries(t.distributions)) if (!this.known.has(name)) this.known.set(name, d);
    }
    this.view = undefined;
  }
}
