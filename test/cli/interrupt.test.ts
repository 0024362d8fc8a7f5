// Ctrl-C during `caviar tune`, in a real child process. The contract (see
// `caviar tune --help`): one SIGINT starts no new trial, lets the running ones
// finish and be saved, prints the summary and exits 0; the study file stays
// consistent (no trial left 'running') and the same command resumes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { loadStudy } from '../../src/tune/study.js';

const CAVIAR = fileURLToPath(new URL('./fixtures/caviar.ts', import.meta.url));

test('one Ctrl-C lets the running trials finish, exits 0 with the summary, and the next run resumes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-sigint-'));
  try {
    const path = join(dir, 'slow.yaml');
    // Slow enough (a few hundred ms a trial) that the signal lands mid-study.
    writeFileSync(path, [
      'name: slow',
      'data: { source: blobs, classes: 3, perClass: 1500, features: 16 }',
      'model: { hidden: [128, 128] }',
      'train: { epochs: 6, batchSize: 32 }',
      `output: ${join(dir, 'out')}`,
      'tune: { trials: 12, workers: 2, sampler: random, pruner: none }',
    ].join('\n'));
    const child = spawn(process.execPath, ['--import', 'tsx', CAVIAR, 'tune', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stderr.on('data', (c) => { stderr += c; });
    child.stdout.on('data', (c) => {
      stdout += c;
      if (!signalled && /trial +\d+ +complete/.test(stdout)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((ok) => child.on('close', (c) => ok(c)));
    assert.ok(signalled, `no trial finished: ${stdout}\n${stderr}`);
    assert.equal(code, 0, `${stdout}\n${stderr}`);
    assert.match(stdout, /Interrupted: finishing the running trials/);
    assert.match(stdout, /Best trial: \d+/);

    const storage = join(dir, 'out', 'study.db');
    const study = await loadStudy({ name: 'slow', storage });
    let done: number;
    try {
      assert.deepEqual(study.trials(['running']), [], 'no trial left running');
      done = study.trials(['complete']).length;
      assert.ok(done >= 1 && done < 12, `stopped early with ${done} complete trials`);
      assert.equal(study.trials().length, done, 'every trial started was finished');
    } finally {
      await study.close();
    }

    const lines: string[] = [];
    const errors: string[] = [];
    const again = await main(['tune', path, '--trials', String(done + 2)], (l) => lines.push(l), (l) => errors.push(l));
    assert.equal(again, 0, errors.join('\n'));
    assert.match(lines.join('\n'), new RegExp(`Tuning slow: ${done + 2} trials \\(${done} already complete\\)`));
    const resumed = await loadStudy({ name: 'slow', storage });
    try {
      assert.equal(resumed.trials(['complete']).length, done + 2);
      assert.deepEqual(resumed.trials(['running']), []);
    } finally {
      await resumed.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
