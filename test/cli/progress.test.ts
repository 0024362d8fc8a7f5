import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { consoleOutput } from '../../src/cli/output.js';
import { bar, CLEAR_LINE, epochProgress, trialProgress, ttyOutput } from '../../src/cli/progress.js';
import { trainCommand } from '../../src/cli/train.js';
import { tuneCommand } from '../../src/cli/tune.js';

/** A terminal that keeps what was written, chunk by chunk. */
function fakeTty(columns = 200) {
  const chunks: string[] = [];
  return { chunks, terminal: { isTTY: true, columns, write: (c: string) => chunks.push(c) } };
}

/** What a person would see at the end: each \r-cleared line replaced by what was drawn after it. */
function screen(raw: string): string[] {
  const lines: string[] = [''];
  for (const part of raw.split(/(\r\x1b\[2K|\n)/)) {
    if (part === CLEAR_LINE) lines[lines.length - 1] = '';
    else if (part === '\n') lines.push('');
    else lines[lines.length - 1] += part;
  }
  return lines;
}

// Control characters other than newline: what piped output must never hold.
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f]/;

function experiment(dir: string, extra: string[] = []): string {
  const path = join(dir, 'exp.yaml');
  writeFileSync(path, [
    'name: tiny',
    'data: { source: blobs, classes: 3, perClass: 60, features: 4 }',
    'model: { hidden: [8] }',
    'train: { epochs: 2, batchSize: 16 }',
    `output: ${join(dir, 'out')}`,
    'tune: { trials: 3, sampler: random, pruner: none }',
    ...extra,
  ].join('\n'));
  return path;
}

test('the bar is redrawn in place, permanent lines go above it, and the summary removes it', () => {
  const { chunks, terminal } = fakeTty();
  const out = ttyOutput(terminal, { minIntervalMs: 0 });
  out.progress!('step 1');
  out.progress!('step 2');
  out.event('epoch', {}, 'epoch 1 done');
  out.progress!('step 3');
  out.event('done', {}, 'all done');
  assert.deepEqual(chunks, [
    `${CLEAR_LINE}step 1`,
    `${CLEAR_LINE}step 2`,
    `${CLEAR_LINE}epoch 1 done\nstep 2`, // the line, then the bar again under it
    `${CLEAR_LINE}step 3`,
    `${CLEAR_LINE}all done\n`,
  ]);
  assert.deepEqual(screen(chunks.join('')), ['epoch 1 done', 'all done', '']);
});

test('redraws are throttled, and a bar never wraps the terminal', () => {
  let now = 0;
  const { chunks, terminal } = fakeTty(30);
  const out = ttyOutput(terminal, { minIntervalMs: 100, now: () => now });
  out.progress!('a');
  now = 50;
  out.progress!('b'); // too soon: not drawn now...
  out.text('a line');  // ...but drawn under the next permanent line
  now = 150;
  out.progress!('x'.repeat(100));
  assert.deepEqual(chunks, [`${CLEAR_LINE}a`, `${CLEAR_LINE}a line\nb`, `${CLEAR_LINE}${'x'.repeat(28)}…`]);
});

test('bars read as a person expects', () => {
  assert.equal(bar(0.5, 10), '[#####-----]');
  assert.equal(epochProgress({ epoch: 2, epochs: 10, batch: 12, batches: 40, loss: 0.45213, samplesPerSecond: 8210.4 }),
    'epoch 2/10 [######--------------] batch 12/40  loss 0.4521  8210 samples/s');
  assert.equal(trialProgress({ complete: 4, trials: 12, best: { value: 0.93125, number: 3 }, elapsedS: 42, remainingS: 70 }),
    'trial 5 of 12 [#######-------------] best 0.9313 (trial 3)  42s elapsed, ~1m10s left');
  assert.equal(trialProgress({ complete: 0, trials: 2, elapsedS: 0 }), 'trial 1 of 2 [--------------------] best -  0s elapsed');
});

test('piped output and JSON get no bar and no control character', () => {
  const lines: string[] = [];
  const piped = consoleOutput(false, (l) => lines.push(l));
  assert.equal(piped.progress, undefined);
  assert.equal(consoleOutput(true, undefined, { isTTY: true, write: () => {} }).progress, undefined, '--json on a terminal: no bar');
  assert.equal(consoleOutput(false, undefined, { isTTY: false, write: () => {} }).progress, undefined);
});

test('caviar train on a terminal shows an epoch bar with batches, loss and samples/s; piped, plain lines only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-progress-'));
  try {
    const path = experiment(dir);
    const { chunks, terminal } = fakeTty();
    assert.equal(await trainCommand([path], consoleOutput(false, undefined, terminal)), 0);
    const raw = chunks.join('');
    assert.match(raw, /\r\x1b\[2Kepoch 1\/2 \[[#-]{20}\] batch \d+\/\d+  loss \d\.\d{4}  \d+ samples\/s/);
    assert.match(raw, /\r\x1b\[2Kepoch 2\/2 \[[#-]{20}\] batch \d+\/\d+  loss \d\.\d{4}/);
    assert.doesNotMatch(raw, /\d+ samples\/s\n(?!test loss)epoch \d\/2 \[/, 'an epoch line is not followed by the old bar');
    const seen = screen(raw);
    assert.match(seen.find((l) => l.startsWith('epoch 1/2'))!, /^epoch 1\/2  loss \d\.\d{4}  acc/, 'the epoch line stays, the bar is gone');
    assert.match(seen.at(-2)!, /^model saved to /);
    assert.equal(seen.at(-1), '', 'no bar left under the summary');

    const piped: string[] = [];
    assert.equal(await main(['train', path], (l) => piped.push(l)), 0);
    assert.ok(!CONTROL.test(piped.join('\n')), 'piped output holds no control character');
    assert.ok(piped.some((l) => /^epoch 1\/2  loss/.test(l)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('caviar tune on a terminal shows trial k of N with the best so far and the time; --quiet prints only the summary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-progress-'));
  try {
    const path = experiment(dir);
    const { chunks, terminal } = fakeTty();
    assert.equal(await tuneCommand([path, '--trials', '2'], consoleOutput(false, undefined, terminal)), 0);
    const raw = chunks.join('');
    assert.match(raw, /\r\x1b\[2Ktrial 1 of 2 \[-{20}\] best -  0s elapsed/);
    assert.match(raw, /trial 2 of 2 \[#{10}-{10}\] best [01]\.\d{4} \(trial 0\)  \d+s elapsed, ~\d+s left/);
    const seen = screen(raw);
    assert.ok(seen.some((l) => /^trial +0  complete/.test(l)), 'the trial lines stay');
    assert.match(seen.at(-2)!, /^Best model saved in /);

    const quiet: string[] = [];
    assert.equal(await main(['tune', path, '--trials', '3', '--quiet'], (l) => quiet.push(l)), 0);
    const text = quiet.join('\n');
    assert.doesNotMatch(text, /Tuning tiny|trial +2 +complete/);
    assert.match(text, /3 complete, 0 pruned, 0 failed/);
    assert.match(text, /Best trial: /);

    const quietTrain: string[] = [];
    assert.equal(await main(['train', path, '-q'], (l) => quietTrain.push(l)), 0);
    assert.doesNotMatch(quietTrain.join('\n'), /Training|epoch/);
    assert.match(quietTrain.join('\n'), /^test loss \d\.\d{4}  test accuracy [\d.]+%\nmodel saved to /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
