/**
 * Turns what a user writes for a storage (`':memory:'`, a path,
 * `sqlite:path`) into a Storage. SQLite is imported only when asked for, so
 * in-memory studies never load the native module.
 */
import { existsSync } from 'node:fs';
import { MemoryStorage } from './memory.js';
import type { Storage } from './storage.js';

/** A Storage object, or a string naming one: `':memory:'`, `'sqlite:path'` or a plain file path. */
export type StorageSpec = Storage | string | undefined;

/**
 * Opens the storage a spec names. The second value says whether the caller
 * opened it (and so should close it). With `mustExist`, a file path that
 * does not exist is an error rather than a new, empty study file.
 *
 * @example
 *   const { storage } = await openStorage('sqlite:/tmp/study.db');
 *   const { storage: mem } = await openStorage(undefined); // a fresh MemoryStorage
 */
export async function openStorage(
  spec: StorageSpec,
  options: { mustExist?: boolean } = {},
): Promise<{ storage: Storage; owned: boolean }> {
  if (spec === undefined || spec === ':memory:' || spec === 'memory') return { storage: new MemoryStorage(), owned: true };
  if (typeof spec !== 'string') return { storage: spec, owned: false };
  if (/^(postgres|postgresql):\/\//.test(spec)) {
    throw new Error(`storage "${spec}": PostgreSQL storage is not available yet; use a SQLite file path`);
  }
  const path = spec.startsWith('sqlite:') ? spec.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') : spec;
  if (path.length === 0) throw new Error(`storage "${spec}" names no file; write sqlite:path/to/study.db`);
  // Loading from a mistyped path should say so, not create an empty study file there.
  if (options.mustExist && !existsSync(path)) throw new Error(`no study file at ${path}`);
  const { SqliteStorage } = await import('./sqlite.js');
  return { storage: await SqliteStorage.open(path), owned: true };
}
