// `caviar ... | head`: a reader that closes the pipe early ends the command
// quietly with its exit code, not with a stack trace about EPIPE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CAVIAR = fileURLToPath(new URL('./fixtures/caviar.ts', import.meta.url));

test('output read by something that stops after one line: exit 0, nothing on stderr', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caviar-pipe-'));
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', CAVIAR, 'train', '--epochs', '400', '--out', join(dir, 'm.safetensors')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    // Like `head -1`: read the first chunk, then close the pipe while the command still writes epochs.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(stderr, '');
    assert.equal(code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
