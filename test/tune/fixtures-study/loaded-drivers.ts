// Imports caviar's package index, then (with an argument) opens a storage
// through it, and prints which storage drivers Node has loaded: the files of
// better-sqlite3 and pg in the CommonJS module cache, where Node keeps every
// CommonJS module it has loaded, an `import` of one included.
// Usage: node --import tsx loaded-drivers.ts [STORAGE]
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as caviar from '../../../src/index.js';
import { openStorage } from '../../../src/tune/storage/open.js';

const require = createRequire(import.meta.url);
const spec = process.argv[2];
if (spec !== undefined) {
  const { storage } = await openStorage(spec);
  await storage.close();
}
/** Whether any file of the package `name` is in the module cache. */
const loaded = (name: string): boolean => {
  const folder = dirname(require.resolve(`${name}/package.json`));
  return Object.keys(require.cache).some((file) => file.startsWith(folder));
};
console.log(JSON.stringify({ exportsSqliteStorage: typeof caviar.SqliteStorage === 'function', betterSqlite3: loaded('better-sqlite3'), pg: loaded('pg') }));
