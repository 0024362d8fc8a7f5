/**
 * Learning-rate decay as pure functions of the epoch number (1-based, the
 * course's `epoch_num`), in the spirit of nanoGPT's `get_lr(it)`.
 *
 * @example
 *   const lr = inverseTimeDecay(0.2, 1);
 *   lr(1); // 0.1     a0 / (1 + rate * epoch)
 *   lr(2); // 0.0667
 */
export type Schedule = (epoch: number) => number;

export type ScheduleConfig =
  | { type: 'constant' }
  | { type: 'inverseTime'; rate: number }
  | { type: 'exponential'; base: number }
  | { type: 'step'; factor: number; every: number }
  | { type: 'inverseSqrt'; k?: number };

export const SCHEDULE_TYPES = ['constant', 'inverseTime', 'exponential', 'step', 'inverseSqrt'] as const;

/** a0 / (1 + rate * epoch). */
export function inverseTimeDecay(a0: number, rate: number): Schedule {
  return (epoch) => a0 / (1 + rate * epoch);
}

/** a0 * base^epoch, e.g. base 0.95 (the course's exponential decay). */
export function exponentialDecay(a0: number, base: number): Schedule {
  return (epoch) => a0 * Math.pow(base, epoch);
}

/** a0 * factor^floor((epoch - 1) / every): a discrete staircase, first drop after `every` epochs. */
export function stepDecay(a0: number, factor: number, every: number): Schedule {
  return (epoch) => a0 * Math.pow(factor, Math.floor((epoch - 1) / every));
}

/** k / sqrt(epoch). */
export function inverseSqrtDecay(k: number): Schedule {
  return (epoch) => k / Math.sqrt(epoch);
}

/**
 * A schedule from plain data and the initial learning rate a0 (for
 * 'inverseSqrt', k defaults to a0, so epoch 1 starts at a0).
 */
export function createSchedule(config: ScheduleConfig, a0: number): Schedule {
  const need = (what: string, v: unknown, ok: (x: number) => boolean, expected: string): number => {
    if (typeof v !== 'number' || !ok(v)) throw new RangeError(`schedule ${config.type}: ${what} must be ${expected}, got ${v}`);
    return v;
  };
  switch (config.type) {
    case 'constant':
      return () => a0;
    case 'inverseTime':
      return inverseTimeDecay(a0, need('rate', config.rate, (x) => x >= 0, 'a number >= 0'));
    case 'exponential':
      return exponentialDecay(a0, need('base', config.base, (x) => x > 0 && x <= 1, 'in (0, 1]'));
    case 'step':
      return stepDecay(
        a0,
        need('factor', config.factor, (x) => x > 0 && x <= 1, 'in (0, 1]'),
        need('every', config.every, (x) => Number.isInteger(x) && x >= 1, 'a positive integer'),
      );
    case 'inverseSqrt':
      return inverseSqrtDecay(config.k === undefined ? a0 : need('k', config.k, (x) => x > 0, 'a number > 0'));
    default:
      throw new RangeError(
        `unknown schedule ${JSON.stringify((config as { type?: unknown }).type)}; expected one of ${SCHEDULE_TYPES.join(', ')}`,
      );
  }
}
