/**
 * Downloads files once into a cache folder, each checked against a SHA-256
 * checksum of its DECOMPRESSED bytes (a mirror may recompress a file; the
 * data inside is what must not change). A file appears in the cache only
 * whole and verified: it is written to a temporary name in the same folder
 * and renamed into place, so an interrupted download never leaves half a file
 * that a later run would trust.
 *
 * @example
 *   await downloadToCache({
 *     baseUrl: 'http://127.0.0.1:8080/',
 *     cacheDir: '/home/me/.cache/caviar/fashion-mnist',
 *     files: [{ name: 't10k-labels-idx1-ubyte.gz', sha256: '0402a96d...' }],
 *   });
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { writeFileAtomically } from '../util/atomic-write.js';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** One file to fetch: its name under the base URL and in the cache, and the SHA-256 (hex) of its decompressed bytes. */
export interface CachedFile {
  name: string;
  sha256: string;
}

export interface DownloadOptions {
  /** Where the files are, e.g. `http://host/path/`; each file is `baseUrl + name`. */
  baseUrl: string;
  cacheDir: string;
  files: readonly CachedFile[];
  /** Give up when no byte arrives for this long (default 30 s). */
  stallTimeoutMs?: number;
  /** Called before each file that is actually fetched (not on a cache hit). */
  onFile?: (file: CachedFile, url: string) => void;
}

/** A download that failed: the server said no, the connection broke, or the bytes were not the expected ones. */
export class DownloadError extends Error {
  constructor(
    readonly url: string,
    problem: string,
  ) {
    super(`downloading ${url}: ${problem}`);
    this.name = 'DownloadError';
  }
}

/**
 * Makes sure every file is in `cacheDir`, fetching only the missing ones.
 * Returns the cache folder. Throws DownloadError naming the URL and the
 * problem; on a checksum mismatch the message holds both checksums and
 * nothing is left in the cache.
 */
export async function downloadToCache(options: DownloadOptions): Promise<string> {
  const { cacheDir, files } = options;
  mkdirSync(cacheDir, { recursive: true });
  for (const file of files) {
    const dest = join(cacheDir, file.name);
    if (existsSync(dest)) continue; // only verified files are ever renamed into place
    const url = new URL(file.name, withSlash(options.baseUrl)).href;
    options.onFile?.(file, url);
    const bytes = await fetchBytes(url, options.stallTimeoutMs ?? 30_000);
    const actual = sha256(decompressed(bytes, url, file.name));
    if (actual !== file.sha256.toLowerCase()) {
      throw new DownloadError(url, `checksum mismatch for ${file.name} (SHA-256 of the decompressed bytes): expected ${file.sha256}, got ${actual}; nothing was saved`);
    }
    writeFileAtomically(dest, bytes);
  }
  return cacheDir;
}

/** Hex SHA-256 of some bytes. @example sha256(new Uint8Array()) // 'e3b0c442...' */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function fetchBytes(url: string, stallTimeoutMs: number): Promise<Uint8Array> {
  const abort = new AbortController();
  let timer = setTimeout(() => abort.abort(), stallTimeoutMs);
  const stalled = () => new DownloadError(url, `no data for ${Math.round(stallTimeoutMs / 1000)} s; gave up`);
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: abort.signal });
    } catch (err) {
      throw abort.signal.aborted ? stalled() : new DownloadError(url, `cannot connect (${causeOf(err)})`);
    }
    if (!response.ok || !response.body) throw new DownloadError(url, `the server answered ${response.status} ${response.statusText}`.trimEnd());
    const expected = Number(response.headers.get('content-length') ?? NaN);
    const chunks: Uint8Array[] = [];
    let received = 0;
    try {
      for await (const chunk of response.body) {
        clearTimeout(timer);
        timer = setTimeout(() => abort.abort(), stallTimeoutMs);
        chunks.push(chunk);
        received += chunk.length;
      }
    } catch (err) {
      throw abort.signal.aborted ? stalled() : new DownloadError(url, `the connection broke after ${received} bytes (${causeOf(err)})`);
    }
    if (Number.isFinite(expected) && received !== expected) {
      throw new DownloadError(url, `the response was cut short: ${received} of ${expected} bytes`);
    }
    return Buffer.concat(chunks);
  } finally {
    clearTimeout(timer);
  }
}

/** The bytes a checksum is about: gunzipped when the name ends in .gz. */
function decompressed(bytes: Uint8Array, url: string, name: string): Uint8Array {
  if (!name.endsWith('.gz')) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw new DownloadError(url, `${name} is not valid gzip data, truncated or corrupt (${(err as Error).message}); nothing was saved`);
  }
}

function causeOf(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : url + '/';
}
