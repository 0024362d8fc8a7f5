/**
 * Turns what a user writes for a storage (`':memory:'`, a path,
 * `sqlite:path`, `postgres://user@host/db`; read by `url.ts`) into a
 * Storage. SQLite and PostgreSQL are imported only when asked for, so
 * in-memory studies never load the native module or the pg client.
 */
import { existsSync } from 'node:fs';
import { MemoryStorage } from './memory.js';
import type { Storage } from './storage.js';
import { storageLocation } from './url.js';

/**
 * A Storage object, or a string naming one: `':memory:'`, `'sqlite:path'`, a
 * plain file path, or `'postgres://user@host[:port]/db[?schema=NAME]'`.
 */
export type StorageSpec = Storage | string | undefined;

/**
 * Opens the storage a spec names. The second value says whether the caller
 * opened it (and so should close it). With `mustExist`, a file path that
 * does not exist, or a PostgreSQL schema without caviar's tables, is an
 * error rather than a new, empty study file or schema: commands that only
 * read or join a study pass it, creating a study does not.
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
  if (spec === undefined) return { storage: new MemoryStorage(), owned: true };
  if (typeof spec !== 'string') return { storage: spec, owned: false };
  const location = storageLocation(spec);
  const mustExist = options.mustExist === true;
  switch (location.kind) {
    case 'memory':
      return { storage: new MemoryStorage(), owned: true };
    case 'postgres': {
      // Loaded only when asked for, like SQLite: other storages never load the pg client.
      const { PostgresStorage } = await import('./postgres.js');
      return { storage: await PostgresStorage.open(location.url, { mustExist }), owned: true };
    }
    case 'sqlite': {
      // Loading from a mistyped path should say so, not create an empty study file there.
      if (mustExist && !existsSync(location.path)) throw new Error(`no study file at ${location.path}`);
      const { SqliteStorage } = await import('./sqlite.js');
      return { storage: await SqliteStorage.open(location.path, { mustExist }), owned: true };
    }
  }
}
