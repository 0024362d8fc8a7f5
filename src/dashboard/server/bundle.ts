/**
 * The page's bundle: `src/dashboard/web/` (TypeScript, ECharts, CSS, the
 * HTML shell) bundled by esbuild into `dist/dashboard/web/`, beside the
 * predictions worker (`src/dashboard/worker/`: the library's model and
 * WebAssembly backend, for the browser). `npm install`
 * builds it (the `prepare` script runs scripts/build-dashboard.mjs, which
 * calls `buildBundle`); in a development checkout the server builds it on
 * first use when it is missing or older than its sources, offline (esbuild
 * is a local dev dependency). An installed package has no sources and ships
 * the bundle.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// Types only: esbuild itself is a dev dependency, imported when a bundle is built.
import type { BuildOptions, Plugin } from 'esbuild';

/** The package's root: this file is src/dashboard/server/bundle.ts or dist/dashboard/server/bundle.js. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const WEB_SOURCES = join(ROOT, 'src', 'dashboard', 'web');
const WORKER_SOURCES = join(ROOT, 'src', 'dashboard', 'worker');
export const BUNDLE_DIR = join(ROOT, 'dist', 'dashboard', 'web');

/** The files of a bundle, by the URL path they are served at. */
export const BUNDLE_FILES = ['index.html', 'app.js', 'app.css', 'predictions.js'] as const;
const STAMP = 'build.json';

/** CAVIAR_DASHBOARD_MINIFY=0 bundles readable code, for profiling the page. */
const minify = process.env.CAVIAR_DASHBOARD_MINIFY !== '0';

/**
 * A hash of every source file the bundle is made of, and of how it is built:
 * the files esbuild read at the last build (`inputs`: the worker's bundle
 * reaches into the library, src/backend, src/nn, src/io...) and every file of
 * the page and the worker now (a new one counts too).
 */
function sourceHash(inputs: readonly string[]): string {
  const hash = createHash('sha256').update(minify ? 'minified\0' : 'readable\0');
  const files = [...new Set([...inputs, ...[...listFiles(WEB_SOURCES), ...listFiles(WORKER_SOURCES), join(ROOT, 'src', 'dashboard', 'api-types.ts')].map((f) => f.slice(ROOT.length))])].sort();
  for (const file of files) {
    hash.update(file).update('\0');
    hash.update(existsSync(join(ROOT, file)) ? readFileSync(join(ROOT, file)) : 'missing').update('\0');
  }
  return hash.digest('hex');
}

/**
 * For the worker's bundle: the node: modules the library imports (files,
 * paths, the native addon's loader) become empty modules. The worker calls
 * none of them; the loaders that would (the native addon, caviar.wasm from
 * disk) catch the failure and report the backend missing, as on a machine
 * without it.
 */
const nodeStubs: Plugin = {
  name: 'node-stubs',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'node-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'node-stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/**
 * Bundles the page into `outDir`. Each file is written under a temporary name
 * and renamed, so two processes building at once never leave a torn file.
 *
 * @example await buildBundle(); // dist/dashboard/web/{index.html,app.js,app.css,build.json}
 */
export async function buildBundle(outDir = BUNDLE_DIR): Promise<void> {
  // A dev dependency: imported only here, so an installed package never needs it.
  const esbuild = await import('esbuild');
  const build = (options: BuildOptions) => esbuild.build({
    bundle: true, minify, format: 'iife', target: ['chrome100', 'firefox100', 'safari15'], outdir: outDir,
    legalComments: 'eof', logLevel: 'silent', absWorkingDir: ROOT, ...options, write: false, metafile: true,
  });
  const page = await build({
    entryPoints: { app: join(WEB_SOURCES, 'main.ts') },
    // ECharts reads it to leave out its development checks.
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const worker = await build({
    entryPoints: { predictions: join(WORKER_SOURCES, 'predictions.ts') },
    platform: 'browser',
    plugins: [nodeStubs],
    inject: [join(WORKER_SOURCES, 'buffer-shim.ts')],
    // The library finds caviar.wasm relative to its module's URL; in the worker that is the worker script's.
    define: { 'import.meta.url': 'self.location.href' },
  });
  mkdirSync(outDir, { recursive: true });
  const write = (name: string, data: string | Uint8Array) => {
    const tmp = join(outDir, `.${name}.${process.pid}.tmp`);
    writeFileSync(tmp, data);
    renameSync(tmp, join(outDir, name));
  };
  for (const file of [...page.outputFiles, ...worker.outputFiles]) write(file.path.slice(outDir.length + 1), file.contents);
  write('index.html', readFileSync(join(WEB_SOURCES, 'index.html')));
  const inputs = [...Object.keys(page.metafile.inputs), ...Object.keys(worker.metafile.inputs)]
    .filter((f) => f.startsWith('src/')) // not node_modules (ECharts), not the stubs
    .map((f) => `/${f}`);
  write(STAMP, JSON.stringify({ sources: sourceHash(inputs), inputs: [...new Set(inputs)].sort(), esbuild: esbuild.version }) + '\n');
}

/**
 * The folder to serve the page from, built first when this is a development
 * checkout and the bundle is missing or stale.
 */
export async function ensureBundle(): Promise<string> {
  if (existsSync(WEB_SOURCES)) {
    let stamp: { sources?: string; inputs?: string[] } = {};
    try {
      stamp = JSON.parse(readFileSync(join(BUNDLE_DIR, STAMP), 'utf8')) as { sources?: string; inputs?: string[] };
    } catch {
      // No bundle yet.
    }
    const complete = BUNDLE_FILES.every((f) => existsSync(join(BUNDLE_DIR, f)));
    if (!complete || stamp.sources !== sourceHash(stamp.inputs ?? [])) await buildBundle();
  }
  const missing = BUNDLE_FILES.filter((f) => !existsSync(join(BUNDLE_DIR, f)));
  if (missing.length > 0) throw new Error(`the dashboard's page is not built (${missing.join(', ')} missing in ${BUNDLE_DIR}); run npm run build`);
  return BUNDLE_DIR;
}
