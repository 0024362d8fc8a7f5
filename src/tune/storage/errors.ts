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
