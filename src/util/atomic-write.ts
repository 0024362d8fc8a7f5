/**
 * Writes a file so that readers see either the old file or the whole new one,
 * never half of it: the bytes go to a temporary file beside the target, which
 * is then renamed over it (a rename within one folder is atomic). The folder
 * is created if needed; the temporary file is removed if anything fails.
 *
 * @example
 *   writeFileAtomically('out/model.safetensors', bytes);
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function writeFileAtomically(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
