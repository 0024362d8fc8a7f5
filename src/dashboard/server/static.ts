/**
 * The page's files. They are read once from the bundle folder into a table
 * keyed by URL path, and only exact matches are served: a request path is
 * never joined to a folder, so no `..`, encoded or not, can reach another file.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { WASM_URL } from '../../backend/wasm.js';
import { BUNDLE_FILES } from './bundle.js';
import { SECURITY_HEADERS } from './http.js';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  wasm: 'application/wasm',
};

export interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
  /** Revalidated on every load (a rebuilt bundle shows at once) and answered 304 when unchanged, which also lets the browser keep the script compiled. */
  readonly etag: string;
}

/**
 * `/` and `/index.html` → the shell; `/app.js`, `/app.css` → the bundle;
 * `/predictions.js` → the predictions worker; `/caviar.wasm` → the
 * WebAssembly backend's kernels, the very file the library loads in Node.
 */
export function loadStaticFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const paths: [string, string][] = [...BUNDLE_FILES.map((name): [string, string] => [name, join(dir, name)]), ['caviar.wasm', fileURLToPath(WASM_URL)]];
  for (const [name, path] of paths) {
    const body = readFileSync(path);
    const file = { body, type: TYPES[name.slice(name.lastIndexOf('.') + 1)], etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    files.set(`/${name}`, file);
    if (name === 'index.html') files.set('/', file);
  }
  return files;
}

export function sendStatic(req: IncomingMessage, res: ServerResponse, file: StaticFile): void {
  const headers = { ...SECURITY_HEADERS, 'content-type': file.type, 'cache-control': 'no-cache', etag: file.etag };
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': file.body.length });
  res.end(req.method === 'HEAD' ? undefined : file.body);
}
