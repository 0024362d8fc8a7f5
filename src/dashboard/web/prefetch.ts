/**
 * Starts loading the study the address names before the rest of the page's
 * script runs. Imported first by main.ts, so its code runs before
 * ECharts' modules are set up: at 100,000 trials the 23 MB of trials then
 * arrive while the page's script starts (some 700 ms on a busy machine)
 * instead of after it.
 */
import { getBytes } from './api.js';

let pending: { key: string; bytes: Promise<ArrayBuffer> } | undefined;
const study = /^#\/study\/(\d+-\d+)(?:\?|$)/.exec(location.hash);
if (study) {
  const bytes = getBytes(`/api/studies/${study[1]}/trials`);
  // Taken by the study page, which reports a failure; never taken (the route changed), it must not be reported as unhandled.
  bytes.catch(() => {});
  pending = { key: study[1], bytes };
}

/**
 * The trials of study `key` as they were being loaded when the page started,
 * once (a later visit loads them afresh), or undefined.
 *
 * @example const bytes = (takePrefetched(key) ?? getBytes(`/api/studies/${key}/trials`));
 */
export function takePrefetched(key: string): Promise<ArrayBuffer> | undefined {
  const taken = pending?.key === key ? pending.bytes : undefined;
  pending = undefined;
  return taken;
}
