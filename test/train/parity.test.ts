import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runParityFile } from '../../src/train/parity.js';
import { parityCommand } from '../../src/cli/parity.js';

const fixture = new URL('../fixtures/parity.json', import.meta.url);
const text = readFileSync(fixture, 'utf8');

test('every PyTorch parity case passes in float32 within rtol 1e-3 / atol 1e-5', () => {
  const results = runParityFile(text, 'parity.json');
  assert.equal(results.length, 5);
  for (const r of results) {
    assert.ok(r.ok, `${r.name}: worst ${r.worst}, max rel ${r.maxRelativeError}`);
    assert.ok(r.compared > 50);
  }
});

test('in float64 the same layers agree with PyTorch to about machine precision', () => {
  for (const r of runParityFile(text, 'parity.json', { dtype: 'float64', rtol: 1e-10, atol: 1e-13 })) {
    assert.ok(r.ok, `${r.name}: worst ${r.worst}, max rel ${r.maxRelativeError}`);
  }
});

test('a wrong expectation fails the case and the command exits 1', () => {
  const doc = JSON.parse(text);
  doc.cases[2].expected.running_after['1.running_var'][0] *= 1.01;
  const results = runParityFile(JSON.stringify(doc), 'tampered.json');
  assert.equal(results.filter((r) => !r.ok).map((r) => r.name).join(), 'bn_mlp_adam');
  assert.match(results[2].worst, /running_after 1\.running_var\[0\]/);
  const lines: string[] = [];
  assert.equal(parityCommand([fixture.pathname], (l) => lines.push(l)), 0);
  assert.equal(lines.length, 6);
  assert.match(lines[5], /^5 passed, 0 failed/);
});

/** A Python that has PyTorch (Debian's python3-torch is /usr/bin/python3's), or undefined. */
function pythonWithTorch(): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    if (spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) return python;
  }
  return undefined;
}

test('the committed generator (test/fixtures/parity.py) gives the committed file again, to float64 rounding', (t) => {
  const python = pythonWithTorch();
  if (!python) {
    t.skip('no Python with PyTorch here (Debian: apt install python3-torch)');
    return;
  }
  const script = fileURLToPath(new URL('../fixtures/parity.py', import.meta.url));
  const run = spawnSync(python, [script, '--keep-inputs', fileURLToPath(fixture)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(run.status, 0, run.stderr);
  const committed = JSON.parse(text);
  const again = JSON.parse(run.stdout);
  assert.deepEqual(again.cases.map((c: { name: string }) => c.name), committed.cases.map((c: { name: string }) => c.name));
  // Same layout and inputs; PyTorch's numbers equal up to its float64 rounding (another build may sum in another order).
  let worst = 0;
  const compare = (a: unknown, b: unknown, path: string): void => {
    if (typeof a === 'number' && typeof b === 'number') {
      worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(a)));
      return;
    }
    if (typeof a !== 'object' || a === null) return assert.equal(b, a, path);
    assert.deepEqual(Object.keys(b as object), Object.keys(a), path);
    for (const key of Object.keys(a)) compare((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
  };
  compare(committed.cases, again.cases, 'cases');
  assert.ok(worst < 1e-12, `largest difference ${worst}`);
  // And what it writes, the parity runner reads and passes.
  assert.ok(runParityFile(run.stdout, 'regenerated').every((r) => r.ok));
});
