/**
 * Turns what a user writes for a storage (`':memory:'`, a path,
 * `sqlite:path`, `postgres://user@host/db`) into a Storage. SQLite and
 * PostgreSQL are imported only when asked for, so in-memory studies never
 * load the native module or the pg client.
 */
import { existsSync } from 'node:fs';
import { MemoryStorage } from './memory.js';
import type { Storage } from './storage.js';

/**
 * A Storage object, or a string naming one: `':memory:'`, `'sqlite:path'`, a
 * plain file path, or `'postgres://user@host[:port]/db[?schema=NAME]'`.
 */
export type StorageSpec = Storage | string | undefined;

/**
 * Opens the storage a spec names. The second value says whether the caller
 * opened it (and so should close it). With `mustExist`, a file path that
 * does not exist is an error rather than a new, empty study file.
 *
 * @example
 *   const { storage } = await openStorage('sqlite:/tmp/study.db');
 *   const { storage: mem } = await openStorage(undefined); // a fresh MemoryStorage
 *   const { storage: pg } = await openStorage('postgres://postgres@127.0.0.1/test?schema=caviar');
 */
export async function openStorage(
  spec: StorageSpec,
  options: { mustExist?: boolean } = {},
): Promise<{ storage: Storage; owned: boolean }> {
  if (spec === undefined || spec === ':memory:' || spec === 'memory') return { storage: new MemoryStorage(), owned: true };
  if (typeof spec !== 'string') return { storage: spec, owned: false };
  if (/^(postgres|postgresql):\/\//.test(spec)) {
    // Loaded only when asked for, like SQLite: other storages never load the pg client.
    const { PostgresStorage } = await import('./postgres.js');
    return { storage: await PostgresStorage.open(spec), owned: true };
  }
  const path = spec.startsWith('sqlite:') ? spec.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') : spec;
  if (path.length === 0) throw new Error(`storage "${spec}" names no file; write sqlite:path/to/study.db`);
  // Loading from a mistyped path should say so, not create an empty study file there.
  if (options.mustExist && !existsSync(path)) throw new Error(`no study file at ${path}`);
  const { SqliteStorage } = await import('./sqlite.js');
  return { storage: await SqliteStorage.open(path), owned: true };
}
