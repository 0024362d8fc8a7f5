/**
 * Storage strings: what a user writes for a storage, read in one place
 * (`storageLocation`: the schemes caviar knows) and opened (`openStorage`).
 * The commands ask it whether a `--storage` is a study file (a folder to
 * check, a path to resolve) or a database URL (nothing on disk).
 *
 * - `':memory:'` or `'memory'`: a study in memory;
 * - `postgres://…` or `postgresql://…`, in any case: a PostgreSQL database.
 *   A near miss (`postgres:/x`, `postgresql//x`) is taken as a URL too, so
 *   that it gets the URL's own error rather than "no study file";
 * - `sqlite:PATH` (`sqlite:///abs/path` is `/abs/path`) or a plain path: a
 *   SQLite study file;
 * - any other `scheme://` is an error, not a file of that name.
 *
 * SQLite and PostgreSQL are imported only when a storage of theirs is
 * opened, so in-memory studies never load the native module or the pg
 * client. A new storage is a scheme in `storageLocation` and a case in
 * `openStorage`.
 */
import { existsSync } from 'node:fs';
import { redactUrl } from '../../util/redact.js';
import { MemoryStorage } from './memory.js';
import type { Storage } from './storage.js';

/** A storage string, read. */
export type StorageLocation =
  | { readonly kind: 'memory' }
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string };

/** `postgres:`, `postgresql:`, `postgres//`: the start of a PostgreSQL URL, typed right or nearly. */
const POSTGRES = /^postgres(ql)?(:|\/\/)/i;
/** `scheme://` at the start. */
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
/** `sqlite:` at the start. */
const SQLITE = /^sqlite:/i;

/**
 * Reads a storage string. Throws for a scheme caviar does not know and for
 * `sqlite:` with no path (the message shows the string without its password).
 *
 * @example
 *   storageLocation('caviar-out/quickstart/study.db'); // { kind: 'sqlite', path: 'caviar-out/quickstart/study.db' }
 *   storageLocation('sqlite:///tmp/s.db');              // { kind: 'sqlite', path: '/tmp/s.db' }
 *   storageLocation('postgres://me@db/test');          // { kind: 'postgres', url: 'postgres://me@db/test' }
 *   storageLocation('mysql://me@db/test');             // throws: caviar does not know mysql:// storages
 */
export function storageLocation(spec: string): StorageLocation {
  if (spec === ':memory:' || spec === 'memory') return { kind: 'memory' };
  if (POSTGRES.test(spec)) return { kind: 'postgres', url: spec };
  const scheme = SCHEME.exec(spec);
  if (scheme && scheme[1].toLowerCase() !== 'sqlite') {
    throw new Error(`storage "${redactUrl(spec)}": caviar does not know ${scheme[1]}:// storages; write a file path, sqlite:PATH or postgres://user@host/db`);
  }
  // `sqlite:///abs` keeps one slash: the URL form of an absolute path.
  const path = SQLITE.test(spec) ? spec.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') : spec;
  if (path.length === 0) throw new Error(`storage "${spec}" names no file; write sqlite:path/to/study.db`);
  return { kind: 'sqlite', path };
}

/**
 * The study file a storage string names, or undefined for a database URL or
 * memory. Throws as `storageLocation` does.
 *
 * @example
 *   studyFilePath('sqlite:runs/study.db'); // 'runs/study.db'
 *   studyFilePath('postgres://me@db/test'); // undefined
 */
export function studyFilePath(spec: string): string | undefined {
  const location = storageLocation(spec);
  return location.kind === 'sqlite' ? location.path : undefined;
}

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
