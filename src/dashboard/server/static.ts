/**
 * The page's files. They are read once from the bundle folder into a table
 * keyed by URL path, and only exact matches are served: a request path is
 * never joined to a folder, so no `..`, encoded or not, can reach another file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { BUNDLE_FILES } from './bundle.js';
import { SECURITY_HEADERS } from './http.js';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

export interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
}

/** `/` and `/index.html` → the shell; `/app.js`, `/app.css` → the bundle. */
export function loadStaticFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of BUNDLE_FILES) {
    const file = { body: readFileSync(join(dir, name)), type: TYPES[name.slice(name.lastIndexOf('.') + 1)] };
    files.set(`/${name}`, file);
    if (name === 'index.html') files.set('/', file);
  }
  return files;
}

export function sendStatic(res: ServerResponse, file: StaticFile, head: boolean): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': file.type, 'content-length': file.body.length, 'cache-control': 'no-cache' });
  res.end(head ? undefined : file.body);
}
