/**
 * How long a test waits for something that must happen before it calls it a
 * hang. Tests assert what must be true on any machine, never how fast: a
 * bound is only there so that a hang fails instead of holding CI, so it is
 * minutes, far beyond what a busy 2-core machine needs. Timed figures live in
 * bench/ with their numbers in docs/BENCHMARKS.md.
 *
 * @example await until('the event', probe, HANG_MS);
 */
export const HANG_MS = 3 * 60_000;
