/**
 * The first bytes of a file, without reading the rest: enough to tell what
 * a file is (magic bytes, a header) before deciding anything about it.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Up to `n` bytes from the start of the file (fewer when it is shorter); an
 * empty array when it cannot be read.
 *
 * @example readFileHead('study.db', 16); // the 16 bytes 'SQLite format 3\0' of a SQLite file
 */
export function readFileHead(path: string, n: number): Uint8Array {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buffer = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const k = readSync(fd, buffer, got, n - got, got);
      if (k === 0) break;
      got += k;
    }
    return buffer.subarray(0, got);
  } catch {
    return new Uint8Array(0);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
