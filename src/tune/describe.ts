/**
 * Errors and stray values as one readable line, for a failed trial's
 * `failReason` and for messages: the reason a person reads in the dashboard
 * or the CSV export must say what happened without a traceback.
 */

/**
 * One line for a thrown value.
 *
 * @example
 *   describeError(new RangeError('lr must be > 0')); // 'RangeError: lr must be > 0'
 *   describeError('oops');                           // 'thrown a string ("oops")'
 */
export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') {
    const { name, message } = e as { name?: unknown; message: string };
    return `${typeof name === 'string' ? name : 'Error'}: ${message}`;
  }
  return `thrown ${describeValue(e)}`;
}

/**
 * One line for a value of unknown type, such as what an objective returned.
 *
 * @example
 *   describeValue(undefined); // 'nothing (undefined)'
 *   describeValue('0.5');     // 'a string ("0.5")'
 *   describeValue([1, NaN]);  // '[1, NaN]'
 */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing (undefined)';
  if (v === null) return 'null';
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)})`;
  if (typeof v === 'number') return String(v);
  // An array of numbers is what a multi-objective objective returns: show it (short ones whole).
  if (Array.isArray(v) && v.length <= 8 && v.every((x) => typeof x === 'number')) return `[${v.join(', ')}]`;
  if (typeof v === 'object') return `an object (${Object.prototype.toString.call(v)})`;
  return `a ${typeof v} (${String(v)})`;
}
