/**
 * The SQLite storage's study file: opening it (`openStudyFile`: checked for
 * damage before anything writes, then in WAL mode with its schema brought up
 * to date), better-sqlite3 loaded only then, and transactions retried while
 * another process holds the lock (`retryWhileLocked`), with the errors that
 * name the file.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { StorageError, StudyFileError } from './errors.js';
import { migrate } from './sqlite-schema.js';

/** How a study file is opened (see `SqliteStorageOptions`, which adds the clock). */
export interface StudyFileOptions {
  /** `normal` (default) survives a process crash; `full` also survives power loss, slower. */
  readonly durability?: 'normal' | 'full';
  /** How long one attempt waits for a lock inside SQLite before backing off (ms, default 200). */
  readonly busyTimeoutMs?: number;
  /** Give up with an error after the file has been locked this long in all (ms, default 120000). */
  readonly lockedForMs?: number;
  /**
   * Refuse an empty (0-byte) file as not a study file, instead of making it
   * a new one (what commands that read or join a study want).
   */
  readonly mustExist?: boolean;
}

/** better-sqlite3's constructor, loaded by the first `open`. */
type Driver = typeof BetterSqlite3;
let driver: Driver | undefined;

/**
 * Loads better-sqlite3 (a native module) when the first study file is
 * opened, not when this file is imported: `caviar`'s index exports
 * `SqliteStorage`, and a program that keeps its studies in memory or in
 * PostgreSQL should not load, or need, the native module.
 */
async function loadDriver(): Promise<Driver> {
  driver ??= (await import('better-sqlite3')).default;
  return driver;
}

/**
 * Opens (creating if needed) the study file at `path`, brings its schema up
 * to date and hands the connection to `make`; if `make` throws, the
 * connection is closed and the error names the file.
 *
 * @example
 *   const db = await openStudyFile('runs/study.db', { durability: 'full' }, (db) => db);
 */
export async function openStudyFile<T>(path: string, options: StudyFileOptions, make: (db: BetterSqlite3.Database) => T): Promise<T> {
  const where = `sqlite:${path}`;
  const lockedForMs = options.lockedForMs ?? 120_000;
  // Read everything before anything writes: a damaged file is refused as it is, never "repaired".
  checkHeader(path, options.mustExist === true);
  const Database = await loadDriver();
  if (statOrUndefined(path)) await retryWhileLocked(path, lockedForMs, () => readThrough(Database, path));
  let db: BetterSqlite3.Database;
  try {
    db = new Database(path, { timeout: options.busyTimeoutMs ?? 200 });
  } catch (e) {
    throw studyFileError(path, e) ?? new StorageError(`cannot open ${where}: ${(e as Error).message}`);
  }
  try {
    await retryWhileLocked(path, lockedForMs, () => {
      // Switching to WAL needs a moment of exclusive access; it is a no-op once the file is in WAL.
      db.pragma('journal_mode = WAL');
      db.transaction(() => migrate(db, path)).immediate();
    });
    db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    return make(db);
  } catch (e) {
    db.close();
    if (e instanceof StorageError) throw e;
    throw new StorageError(`cannot open ${where}: ${(e as Error).message}`);
  }
}

export /**
 * Runs `fn` until it succeeds or fails with anything but a lock error; lock
 * errors are retried with jittered exponential backoff, awaiting between
 * attempts so the process's other trials and heartbeats go on.
 */
async function retryWhileLocked<T>(path: string, limitMs: number, fn: () => T): Promise<T> {
  const where = `sqlite:${path}`;
  const start = Date.now();
  let delay = 2;
  for (;;) {
    try {
      return fn();
    } catch (e) {
      if (!isLockError(e)) throw studyFileError(path, e) ?? e;
      if (Date.now() - start > limitMs) {
        throw new StorageError(
          `${where} stayed locked by another process for ${Math.round((Date.now() - start) / 1000)} s; is a process stuck holding a transaction?`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random())));
      delay = Math.min(delay * 2, 100);
    }
  }
}

function isLockError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** What SQLite says of a file it cannot read as a database, as the error that names the file; undefined for other errors. */
function studyFileError(path: string, e: unknown): StudyFileError | undefined {
  if (e instanceof StudyFileError) return e;
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== 'string') return undefined;
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_IOERR_SHORT_READ') {
    return new StudyFileError(path, `SQLite: ${(e as Error).message}`);
  }
  return undefined;
}

function statOrUndefined(path: string): { size: number } | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Refuses, without opening it in SQLite, a file that is truncated (shorter
 * than the pages its header counts, with no write-ahead log that could hold
 * the rest) and, with `mustExist`, an empty one.
 */
function checkHeader(path: string, mustExist: boolean): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return; // No file (a new study file), or one SQLite will say it cannot open.
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) {
      if (mustExist) throw new StudyFileError(path, 'the file is empty (0 bytes)', 'point --storage at a study file caviar wrote');
      return;
    }
    const header = Buffer.alloc(100);
    if (readSync(fd, header, 0, 100, 0) < 100 || header.toString('latin1', 0, 16) !== 'SQLite format 3\0') return; // SQLite's own words follow.
    const pageSize = header.readUInt16BE(16) === 1 ? 65536 : header.readUInt16BE(16);
    const pages = header.readUInt32BE(28);
    // The page count is valid when the change counter matches "version valid for" (every SQLite since 3.7.0 keeps it so).
    const valid = header.readUInt32BE(24) === header.readUInt32BE(92);
    const wal = statOrUndefined(`${path}-wal`);
    if (valid && pages > 0 && size < pageSize * pages && !(wal && wal.size > 0)) {
      throw new StudyFileError(path, `truncated: ${size} bytes, where its header counts ${pages} pages of ${pageSize} bytes`);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the whole file through a read-only connection (`quick_check`: every
 * page, every index entry), so that damage is found before a writer opens it;
 * a read-only connection never checkpoints a write-ahead log into the file.
 * SQLite may create an empty log and its index beside a file in WAL mode even
 * so: when the file turns out damaged, those two are removed again, so that
 * the folder is left as it was found.
 */
function readThrough(Database: Driver, path: string): void {
  const sideFiles = [`${path}-wal`, `${path}-shm`].filter((f) => !existsSync(f));
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const rows = db.pragma('quick_check(1)') as { quick_check: string }[];
    const verdict = rows[0]?.quick_check ?? 'no answer';
    if (verdict !== 'ok') throw new StudyFileError(path, `SQLite: ${verdict}`);
    db.close();
  } catch (e) {
    db?.close();
    const damaged = studyFileError(path, e);
    if (!damaged) throw e;
    // Only an empty log this call made: a log with content, or one that was there, is not ours to remove.
    if (sideFiles.includes(`${path}-wal`) && statOrUndefined(`${path}-wal`)?.size === 0) {
      for (const f of sideFiles) rmSync(f, { force: true });
    }
    throw damaged;
  }
}
