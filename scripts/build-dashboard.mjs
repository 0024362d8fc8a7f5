// Bundles the dashboard's page (src/dashboard/web) into dist/dashboard/web with
// esbuild, after `tsc -p tsconfig.build.json` has built dist/ (npm run build,
// and `prepare`, which npm install runs). The same function builds it on first
// use in a development checkout (src/dashboard/server/bundle.ts).
import { buildBundle, BUNDLE_DIR } from '../dist/dashboard/server/bundle.js';

const t0 = Date.now();
await buildBundle();
console.log(`dashboard page bundled into ${BUNDLE_DIR} in ${Date.now() - t0} ms`);
