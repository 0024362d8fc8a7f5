// The `install` script: compiles the native backend (native/, binding.gyp)
// with the node-gyp that ships with npm, against the Node headers npm is
// configured with (nodedir), so nothing is downloaded. Without a working C
// compiler the build fails, this prints one line, and installation still
// succeeds: caviar then runs on its portable backends.
//
//   node scripts/build-native.mjs            # what `npm install` runs
//   CAVIAR_NATIVE_VERBOSE=1 npm install      # show the compiler's output
//   CAVIAR_SKIP_NATIVE=1 npm install         # do not build the addon
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const NOTICE = 'caviar: native backend not built (no C compiler?); using the portable backend';

/** node-gyp's entry point: the one npm runs scripts with, else the copy bundled inside npm. */
function findNodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  const prefix = dirname(dirname(process.execPath)); // /usr for /usr/bin/node
  for (const npmDir of [join(prefix, 'lib', 'node_modules', 'npm'), join(dirname(process.execPath), 'node_modules', 'npm')]) {
    const candidate = join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** Node's own headers, so node-gyp never goes to the network for them. */
function nodeDirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

if (process.env.CAVIAR_SKIP_NATIVE === '1') {
  console.log('caviar: native backend skipped (CAVIAR_SKIP_NATIVE=1)');
  process.exit(0);
}
const nodeGyp = findNodeGyp();
const verbose = process.env.CAVIAR_NATIVE_VERBOSE === '1';
const result = nodeGyp
  ? spawnSync(process.execPath, [nodeGyp, 'rebuild', ...nodeDirArgs()], {
      stdio: verbose ? 'inherit' : 'pipe',
      encoding: 'utf8',
    })
  : null;
if (!result || result.status !== 0) {
  if (verbose && result?.error) console.error(result.error.message);
  console.log(NOTICE);
}
process.exit(0);
