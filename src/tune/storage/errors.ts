/**
 * The errors a storage raises. Each names what is wrong and where, so that a
 * message reaching the command line needs no traceback to be understood.
 * Every storage raises the same classes for the same situations; the shared
 * storage suite checks it.
 */

/** Base class: `instanceof StorageError` catches every storage complaint. */
export class StorageError extends Error {
  override name = 'StorageError';
}

/**
 * A study name that does not exist.
 *
 * @example
 *   try { await loadStudy({ name: 'nope', storage }); } catch (e) { if (e instanceof StudyNotFoundError) ... }
 */
export class StudyNotFoundError extends StorageError {
  override name = 'StudyNotFoundError';
  constructor(
    readonly study: string | number,
    location: string,
  ) {
    super(`no study ${typeof study === 'string' ? `named "${study}"` : `with id ${study}`} in ${location}`);
  }
}

/**
 * A study name that is already taken.
 *
 * @example
 *   await storage.createStudy({ name: 'a', direction: 'minimize' });
 *   await storage.createStudy({ name: 'a', direction: 'minimize' }); // throws DuplicateStudyError
 */
export class DuplicateStudyError extends StorageError {
  override name = 'DuplicateStudyError';
  constructor(
    readonly study: string,
    location: string,
  ) {
    super(`a study named "${study}" already exists in ${location} (pass loadIfExists: true to reuse it)`);
  }
}

/** @example new TrialNotFoundError(7, 'memory').message // 'no trial with id 7 in memory' */
export class TrialNotFoundError extends StorageError {
  override name = 'TrialNotFoundError';
  constructor(
    readonly trialId: number,
    location: string,
  ) {
    super(`no trial with id ${trialId} in ${location}`);
  }
}

/**
 * A trial this process claimed that the storage no longer holds as its claim:
 * the id now names another trial (or none). A database that loses its last
 * commits in a crash (PostgreSQL with `durability=fast`) can roll a claim back
 * and hand the same id or number to the next claimer; the claim's key
 * (`ClaimOptions.key`) tells the two apart. A `TrialNotFoundError`, so that
 * whoever treats a vanished trial as lost treats this one the same way.
 *
 * @example
 *   await storage.updateTrial(id, { claimKey: key, finish: { state: 'complete', value: 1 } }); // TrialLostError
 */
export class TrialLostError extends TrialNotFoundError {
  override name = 'TrialLostError';
  constructor(trialId: number, location: string) {
    super(trialId, location);
    this.message =
      `trial id ${trialId} in ${location} is no longer the trial this process claimed: the database lost that claim ` +
      '(a crash that rolled back its last commits?) and the id now names another trial';
  }
}

/** @example new RecordNotFoundError('checkpoint', 4, 'memory').message // 'no checkpoint with id 4 in memory' */
export class RecordNotFoundError extends StorageError {
  override name = 'RecordNotFoundError';
  constructor(
    readonly what: 'command' | 'checkpoint',
    readonly id: number,
    location: string,
  ) {
    super(`no ${what} with id ${id} in ${location}`);
  }
}

/**
 * A write to a trial that has already finished (complete, pruned or failed),
 * or that is still waiting to be claimed.
 *
 * @example
 *   await storage.updateTrial(id, { finish: { state: 'complete', value: 1 } });
 *   await storage.updateTrial(id, { finish: { state: 'complete', value: 2 } }); // throws TrialFinishedError
 */
export class TrialFinishedError extends StorageError {
  override name = 'TrialFinishedError';
  constructor(
    readonly trialNumber: number,
    readonly state: string,
  ) {
    super(`trial ${trialNumber} is ${state}; a trial that is not running cannot change`);
  }
}

/**
 * A parameter whose distribution conflicts with the one the study already
 * records for that name (another type, scale or set of choices).
 *
 * @example
 *   trial0.suggestFloat('lr', 1e-4, 1, { log: true });
 *   trial1.suggestFloat('lr', 1e-4, 1); // DistributionConflictError: log vs linear
 */
export class DistributionConflictError extends StorageError {
  override name = 'DistributionConflictError';
}

/**
 * A database written by a newer version of caviar than this one.
 *
 * @example
 *   await SqliteStorage.open('future.db'); // SchemaVersionError: schema version 9, this caviar knows up to 1
 */
export class SchemaVersionError extends StorageError {
  override name = 'SchemaVersionError';
}

/** Bad input to a storage method: a non-JSON attribute, a negative step, an infinite objective value. */
export class InvalidWriteError extends StorageError {
  override name = 'InvalidWriteError';
}

/**
 * A file given as a study file that caviar cannot read as one: damaged
 * (truncated, overwritten), not an SQLite database at all, or another
 * program's database. The message names the file and says what to do; the
 * command line answers it with exit code 2 (bad input), whatever the command.
 * Nothing writes to such a file.
 *
 * @example
 *   await SqliteStorage.open('caviar-out/x/study.db');
 *   // StudyFileError: caviar-out/x/study.db is not a readable study file (SQLite: file is not a database); it may be
 *   // damaged: restore it from a backup, or point --storage elsewhere
 */
export class StudyFileError extends StorageError {
  override name = 'StudyFileError';
  constructor(
    readonly path: string,
    /** What is wrong, in a few words: `SQLite: file is not a database`, `truncated: ...`. */
    readonly reason: string,
    hint = 'it may be damaged: restore it from a backup, or point --storage elsewhere',
  ) {
    super(`${path} is not a readable study file (${reason}); ${hint}`);
  }
}
