/**
 * A small, predictable sampler for the study and executor tests, so they do
 * not depend on the real samplers: uniform on each scale, seeded by trial
 * number and name, and optionally "relative" (it proposes x = 0.5 jointly)
 * so the tests can see the relative path of a study at work.
 */
import { Rng } from '../../src/util/rng.js';
import type { Distribution, FrozenTrial, ParamValue, Pruner, Sampler, StudyView } from '../../src/tune/types.js';

export class TestSampler implements Sampler {
  readonly name = 'test';
  readonly finished: number[] = [];
  /** How many trials of the study the sampler saw at each call (to check that it sees them all). */
  readonly seen: number[] = [];

  constructor(
    private readonly seed = 0,
    private readonly relative: Record<string, { distribution: Distribution; value: ParamValue }> = {},
  ) {}

  inferRelativeSpace(): Record<string, Distribution> {
    return Object.fromEntries(Object.entries(this.relative).map(([k, v]) => [k, v.distribution]));
  }

  sampleRelative(): Record<string, ParamValue> {
    return Object.fromEntries(Object.entries(this.relative).map(([k, v]) => [k, v.value]));
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, d: Distribution): ParamValue {
    this.seen.push(study.trials().length);
    let h = this.seed * 1_000_003 + trial.number * 7919;
    for (const c of name) h = (h * 31 + c.charCodeAt(0)) | 0;
    const u = new Rng(h).uniform();
    if (d.type === 'categorical') return d.choices[Math.floor(u * d.choices.length)];
    if (d.type === 'int') return Math.min(d.high, d.low + d.step * Math.floor(u * ((d.high - d.low) / d.step + 1)));
    if (d.scale === 'log') return 10 ** (Math.log10(d.low) + u * (Math.log10(d.high) - Math.log10(d.low)));
    if (d.scale === 'oneMinusBeta') return 1 - 10 ** (Math.log10(1 - d.high) + u * (Math.log10(1 - d.low) - Math.log10(1 - d.high)));
    return d.low + u * (d.high - d.low);
  }

  afterTrial(_study: StudyView, trial: FrozenTrial): void {
    this.finished.push(trial.number);
  }
}

/** Prunes a trial whose last reported value is above `threshold`, after comparing nothing else. */
export class ThresholdPruner implements Pruner {
  readonly name = 'threshold';
  constructor(private readonly threshold: number) {}

  prune(_study: StudyView, trial: FrozenTrial): boolean {
    const steps = [...trial.intermediate.keys()];
    if (steps.length === 0) return false;
    return trial.intermediate.get(Math.max(...steps))! > this.threshold;
  }
}
