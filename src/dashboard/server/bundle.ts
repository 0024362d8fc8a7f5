/**
 * The page's bundle: `src/dashboard/web/` (TypeScript, ECharts, CSS, the
 * HTML shell) bundled by esbuild into `dist/dashboard/web/`. `npm install`
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

/** The package's root: this file is src/dashboard/server/bundle.ts or dist/dashboard/server/bundle.js. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const WEB_SOURCES = join(ROOT, 'src', 'dashboard', 'web');
export const BUNDLE_DIR = join(ROOT, 'dist', 'dashboard', 'web');

/** The files of a bundle, by the URL path they are served at. */
export const BUNDLE_FILES = ['index.html', 'app.js', 'app.css'] as const;
const STAMP = 'build.json';

/** CAVIAR_DASHBOARD_MINIFY=0 bundles readable code, for profiling the page. */
const minify = process.env.CAVIAR_DASHBOARD_MINIFY !== '0';

/** A hash of every source file the bundle is made of (the page's and the API types it shares), and of how it is built. */
function sourceHash(): string {
  const hash = createHash('sha256').update(minify ? 'minified\0' : 'readable\0');
  const files = [...listFiles(WEB_SOURCES), join(ROOT, 'src', 'dashboard', 'api-types.ts')].sort();
  for (const file of files) hash.update(file.slice(ROOT.length)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

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
  const result = await esbuild.build({
    entryPoints: { app: join(WEB_SOURCES, 'main.ts') },
    bundle: true,
    minify,
    format: 'iife',
    target: ['chrome100', 'firefox100', 'safari15'],
    write: false,
    outdir: outDir,
    legalComments: 'eof',
    // ECharts reads it to leave out its development checks.
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  mkdirSync(outDir, { recursive: true });
  const write = (name: string, data: string | Uint8Array) => {
    const tmp = join(outDir, `.${name}.${process.pid}.tmp`);
    writeFileSync(tmp, data);
    renameSync(tmp, join(outDir, name));
  };
  for (const file of result.outputFiles) write(file.path.slice(outDir.length + 1), file.contents);
  write('index.html', readFileSync(join(WEB_SOURCES, 'index.html')));
  write(STAMP, JSON.stringify({ sources: sourceHash(), esbuild: esbuild.version }) + '\n');
}

/**
 * The folder to serve the page from, built first when this is a development
 * checkout and the bundle is missing or stale.
 */
export async function ensureBundle(): Promise<string> {
  if (existsSync(WEB_SOURCES)) {
    let stamp: { sources?: string } = {};
    try {
      stamp = JSON.parse(readFileSync(join(BUNDLE_DIR, STAMP), 'utf8')) as { sources?: string };
    } catch {
      // No bundle yet.
    }
    const complete = BUNDLE_FILES.every((f) => existsSync(join(BUNDLE_DIR, f)));
    if (!complete || stamp.sources !== sourceHash()) await buildBundle();
  }
  const missing = BUNDLE_FILES.filter((f) => !existsSync(join(BUNDLE_DIR, f)));
  if (missing.length > 0) throw new Error(`the dashboard's page is not built (${missing.join(', ')} missing in ${BUNDLE_DIR}); run npm run build`);
  return BUNDLE_DIR;
}
