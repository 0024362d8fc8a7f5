/**
 * Where the commands look for studies: the SQLite file or PostgreSQL URL
 * given with `--storage`, or every `caviar-out/<experiment>/study.db`, where
 * `caviar tune` keeps its studies by default. These commands only read: a
 * missing file, or a PostgreSQL schema without caviar's tables (a mistyped
 * `?schema=`), is an error, never created.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openStorage, studyFilePath } from '../tune/storage/open.js';
import { loadStudy, type Study } from '../tune/study.js';
import type { Storage } from '../tune/storage/storage.js';
import { redactUrl } from '../util/redact.js';
import { UsageError } from './output.js';

/**
 * The study files to look in: the one given, or every caviar-out/<name>/study.db.
 *
 * @example studyFiles(undefined); // ['caviar-out/quickstart/study.db']
 */
export function studyFiles(storage: string | undefined): string[] {
  if (storage) {
    const file = storageFile(storage);
    if (file !== undefined && !existsSync(file)) throw new UsageError(`--storage: no study file at ${redactUrl(storage)}`);
    return [storage];
  }
  const root = 'caviar-out';
  if (!existsSync(root)) return [];
  return readdirSync(root).map((d) => join(root, d, 'study.db')).filter((p) => existsSync(p)).sort();
}

/**
 * The study file a `--storage` names (undefined for a database URL); a
 * storage caviar cannot read (an unknown scheme) is a UsageError, exit 2.
 *
 * @example storageFile('sqlite:runs/study.db'); // 'runs/study.db'
 */
export function storageFile(storage: string): string | undefined {
  try {
    return studyFilePath(storage);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * Opens the study `name` from the first file of `studyFiles(storage)` that
 * holds one; a UsageError (exit 2) naming the files looked in when none does.
 * The caller closes the study.
 *
 * @example const { study, file } = await findStudy('quickstart', undefined);
 */
export async function findStudy(name: string, storage: string | undefined): Promise<{ study: Study; file: string }> {
  const files = studyFiles(storage);
  for (const file of files) {
    // Opened once (opening a study file reads it through): the study found takes the storage over.
    const opened = await openExisting(file);
    let has: boolean;
    try {
      has = (await opened.listStudies()).some((r) => r.name === name);
    } catch (e) {
      await opened.close();
      throw e;
    }
    if (has) return { study: await loadStudy({ name, storage: opened, closeStorage: true }), file };
    await opened.close();
  }
  throw new UsageError(`no study named '${name}' in ${files.length ? files.map(redactUrl).join(', ') : 'caviar-out/ (no study files there)'}; 'caviar studies' lists them`);
}

/**
 * Opens a storage that must already hold studies; what cannot be opened (no
 * such file or schema, a refused connection, a newer schema) is one line, exit 2.
 *
 * @example const storage = await openExisting('postgres://me@db/test?schema=runs');
 */
export async function openExisting(file: string): Promise<Storage> {
  return openForCommand(file, { mustExist: true });
}

/**
 * Opens a storage for a command; what cannot be opened (a bad URL, a refused
 * connection, a damaged or newer study file) is one line, exit 2, like every
 * other bad input. With `mustExist: false` (`caviar tune`), a new study file
 * or schema is created.
 *
 * @example const storage = await openForCommand('caviar-out/quickstart/study.db', { mustExist: false });
 */
export async function openForCommand(file: string, options: { mustExist: boolean }): Promise<Storage> {
  try {
    return (await openStorage(file, options)).storage;
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n').map((l) => l.trim()).filter(Boolean).join('; '));
  }
}
