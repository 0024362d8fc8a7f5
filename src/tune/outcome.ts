/**
 * What an objective or `tell` may give, and the stored outcome it becomes:
 * one finite number (one per objective in a multi-objective study) completes
 * a trial; anything else fails it with a reason a person can read, and an
 * explicit state prunes or fails it.
 */
import { describeValue } from './describe.js';
import { isFiniteVector } from './storage/rules.js';
import type { TrialOutcome } from './storage/storage.js';

/** What `tell` accepts: a value or one per objective (a complete trial), or an explicit final state. */
export type TellResult =
  | number
  | readonly number[]
  | { readonly state: 'complete'; readonly value: number }
  | { readonly state: 'complete'; readonly values: readonly number[] }
  | { readonly state: 'pruned'; readonly value?: number }
  | { readonly state: 'failed'; readonly reason?: string; readonly retryable?: boolean };

/**
 * The stored outcome of what an objective or `tell` gave, in a study of
 * `objectives` objectives: one finite number, or one per objective.
 */
export function outcomeOf(result: TellResult | unknown, lastIntermediate: number | undefined, objectives: number): TrialOutcome {
  if (objectives > 1) {
    if (Array.isArray(result)) {
      if (result.length === objectives && isFiniteVector(result)) return { state: 'complete', values: [...result] };
      return { state: 'failed', reason: `the objective returned ${describeValue(result)}; this study needs ${objectives} finite numbers, one per objective` };
    }
    if (typeof result === 'number') {
      return { state: 'failed', reason: `the objective returned one number (${result}); this study needs ${objectives}, one per objective` };
    }
  } else if (Array.isArray(result)) {
    return { state: 'failed', reason: `the objective returned ${describeValue(result)}; this study has one objective and needs one finite number` };
  }
  if (typeof result === 'number') {
    if (Number.isFinite(result)) return { state: 'complete', value: result };
    return { state: 'failed', reason: `the objective returned ${result}; a trial needs a finite number` };
  }
  if (result && typeof result === 'object' && 'state' in result) {
    const r = result as Exclude<TellResult, number | readonly number[]>;
    if (r.state === 'complete') return outcomeOf('values' in r ? r.values : r.value, lastIntermediate, objectives);
    if (r.state === 'pruned') {
      const value = r.value ?? lastIntermediate;
      return value === undefined ? { state: 'pruned' } : { state: 'pruned', value };
    }
    if (r.state === 'failed') {
      return { state: 'failed', reason: r.reason ?? 'failed by tell', ...(r.retryable ? { retryable: true } : {}) };
    }
  }
  return { state: 'failed', reason: `the objective returned ${describeValue(result)}; a trial needs a finite number` };
}
