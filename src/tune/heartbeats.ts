/**
 * The heartbeats of a study's running trials: every `intervalMs`, each trial
 * this process runs tells the storage it is alive (with its claim key), so
 * another process can fail and retry a trial whose process died. A beat the
 * storage refuses because it lost the trial (a database crash) marks the
 * trial `lost`; it stops at its next call.
 */
import { TrialNotFoundError } from './storage/errors.js';
import type { Storage } from './storage/storage.js';
import type { StudyTrial } from './trial.js';

export class Heartbeats {
  private timer: NodeJS.Timeout | undefined;

  /** `intervalMs` 0 turns them off (an in-memory study, which no other process can outlive). */
  constructor(
    private readonly storage: Storage,
    private readonly intervalMs: number,
    private readonly running: () => Iterable<StudyTrial>,
  ) {}

  /** Starts beating (a no-op when already beating or off). */
  start(): void {
    if (this.intervalMs <= 0 || this.timer) return;
    let beating = false;
    this.timer = setInterval(() => {
      if (beating) return;
      beating = true;
      // A heartbeat refused because the trial was failed meanwhile is the verdict `tell` will report;
      // one refused because the storage lost the trial stops the trial at its next call.
      const beat = (t: StudyTrial) =>
        this.storage.updateTrial(t.id, { heartbeat: true, ...(t.claimKey !== undefined ? { claimKey: t.claimKey } : {}) }).catch((e: unknown) => {
          if (e instanceof TrialNotFoundError) t.lost ??= e;
        });
      void Promise.all([...this.running()].map(beat)).finally(() => (beating = false));
    }, this.intervalMs);
    // Heartbeats alone must not keep the process alive.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
