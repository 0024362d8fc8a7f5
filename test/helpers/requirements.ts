/**
 * Tests that need something outside the project (Fashion-MNIST, PostgreSQL,
 * Chromium) skip with a one-line notice saying how to enable them — unless
 * CAVIAR_REQUIRE_ALL=1 (set by .ci/run), where a missing requirement fails.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';

/** Returns true when the test may go on; otherwise skips (or fails in CI) and returns false. */
export function requireOrSkip(t: TestContext, available: boolean, notice: string): boolean {
  if (available) return true;
  if (process.env.CAVIAR_REQUIRE_ALL === '1') assert.fail(`CAVIAR_REQUIRE_ALL=1 but ${notice}`);
  t.skip(`skipped: ${notice}`);
  return false;
}
