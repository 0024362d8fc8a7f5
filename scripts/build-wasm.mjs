// `npm run build:wasm`: compiles the WebAssembly backend's kernels
// (wasm/assembly/*.ts, AssemblyScript) into wasm/build/caviar.wasm with SIMD
// (v128). The .wasm is committed, so installing caviar needs no compiler;
// rebuild it after changing wasm/assembly. The build is deterministic:
// `--check` compiles in memory and exits 1 when the committed file differs.
// Beside the .wasm, caviar.wasm.sources records the SHA-256 of every source,
// the compiler version and the flags, so a test can see in milliseconds that
// the committed build belongs to the sources (test/backend/wasm.test.ts).
//
//   node scripts/build-wasm.mjs           # write wasm/build/caviar.wasm
//   node scripts/build-wasm.mjs --check   # is the committed build up to date?
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const output = new URL('wasm/build/caviar.wasm', root);
// Shared memory (threads) so that growing it does not detach the views src/backend/wasm.ts hands out;
// a shared memory needs a maximum: 65536 pages, 4 GiB.
const FLAGS = [
  'wasm/assembly/index.ts', '-O3', '--noAssert', '--runtime', 'stub', '--enable', 'simd', '--enable', 'threads',
  '--sharedMemory', '--maximumMemory', '65536', '--outFile', 'caviar.wasm',
];

/** What the build depends on, one line each: the compiler, the flags, then `sha256  path` per source. */
export function sourcesFingerprint(compilerVersion) {
  const lines = [`assemblyscript ${compilerVersion}`, `flags ${FLAGS.join(' ')}`];
  for (const name of readdirSync(new URL('wasm/assembly/', root)).sort()) {
    const text = readFileSync(new URL(`wasm/assembly/${name}`, root));
    lines.push(`${createHash('sha256').update(text).digest('hex')}  wasm/assembly/${name}`);
  }
  return lines.join('\n') + '\n';
}

let asc;
try {
  asc = await import('assemblyscript/asc');
} catch {
  console.error('caviar: the AssemblyScript compiler is not installed (npm install --include=dev)');
  process.exit(2);
}

let bytes = null;
const { error, stderr } = await asc.main(FLAGS, {
  readFile: (name, baseDir) => {
    try {
      return readFileSync(new URL(name, new URL(baseDir.endsWith('/') ? baseDir : `${baseDir}/`, root)), 'utf8');
    } catch {
      return null;
    }
  },
  writeFile: (name, contents) => {
    if (name === 'caviar.wasm') bytes = contents;
  },
  listFiles: () => [],
});
if (error || !bytes) {
  console.error(stderr.toString());
  console.error(`caviar: wasm build failed: ${error?.message ?? 'no output'}`);
  process.exit(1);
}

if (process.argv.includes('--check')) {
  let committed = null;
  try {
    committed = readFileSync(output);
  } catch {}
  if (!committed || !Buffer.from(bytes).equals(committed)) {
    console.error('caviar: wasm/build/caviar.wasm is not the build of wasm/assembly; run npm run build:wasm');
    process.exit(1);
  }
  console.log(`caviar: wasm/build/caviar.wasm is up to date (${bytes.length} bytes)`);
} else {
  mkdirSync(new URL('wasm/build/', root), { recursive: true });
  writeFileSync(output, bytes);
  writeFileSync(new URL('wasm/build/caviar.wasm.sources', root), sourcesFingerprint(asc.version));
  console.log(`caviar: wrote ${fileURLToPath(output)} (${bytes.length} bytes)`);
}
