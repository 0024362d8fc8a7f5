import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
