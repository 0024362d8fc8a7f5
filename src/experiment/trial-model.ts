/**
 * Each study owns its trial models. A trial's model goes to
 * `<output>/trials/<study>-<uid>/trial-N.safetensors`, and the file records
 * the study (name and uid) and the trial it came from. Before a model is
 * served as a trial's (`caviar best`, the dashboard's download and its
 * predictions), that record is checked against the trial, so another study's
 * model — two studies of one experiment in one output folder, or one study
 * name in two storages — is refused instead of shown as this one's.
 *
 * The uid: study ids are per storage and collide between storages, and names
 * repeat, so the study's record carries a `uid` system attribute. It is not
 * drawn at random but derived from what the storage fixed when it created the
 * study (name, id, creation time in ms): every process that opens the study —
 * several `caviar tune` or `caviar worker` started at once — finds the same
 * uid with no race over who writes it first. Once recorded, the attribute is
 * what counts.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { StudyRecord } from '../tune/storage/storage.js';
import type { Study } from '../tune/study.js';
import type { ParamValue } from '../tune/types.js';

/** Who a trial model belongs to. */
export interface StudyIdentity {
  readonly name: string;
  /** Eight hex digits, unique across storages (see the module's header). */
  readonly uid: string;
}

const UID = /^[0-9a-z]{4,32}$/;

/**
 * A study's uid: its recorded `uid` system attribute, else the one derived
 * from the record.
 *
 * @example studyUid({ name: 'quickstart', id: 1, createdAt: 1714000000000, systemAttrs: {} }); // '5f0c7d2a'
 */
export function studyUid(record: Pick<StudyRecord, 'name' | 'id' | 'createdAt' | 'systemAttrs'>): string {
  const recorded = record.systemAttrs.uid;
  if (typeof recorded === 'string' && UID.test(recorded)) return recorded;
  return createHash('sha256').update(`caviar study\n${record.name}\n${record.id}\n${record.createdAt}`).digest('hex').slice(0, 8);
}

/**
 * The identity of an open study, recording its uid in the study when it has
 * none yet (a study made by an earlier caviar, or just created) unless
 * `record` is false (commands that only read). `caviar tune` and `caviar
 * worker` call it before the first trial.
 *
 * @example
 *   const study = await createStudy({ name: 'quickstart', storage: 'caviar-out/quickstart/study.db', loadIfExists: true });
 *   const identity = await studyIdentity(study); // { name: 'quickstart', uid: '5f0c7d2a' }
 *   await study.optimize((trial) => experimentObjective(trial, { raw, source, study: identity }), { nTrials: 20 });
 */
export async function studyIdentity(study: Study, options: { record?: boolean } = {}): Promise<StudyIdentity> {
  const record = await study.storage.getStudy(study.name);
  if (!record) throw new Error(`study '${study.name}' is gone from ${study.storage.location}`);
  const uid = studyUid(record);
  if (options.record !== false && record.systemAttrs.uid !== uid) study.setSystemAttr('uid', uid);
  return { name: study.name, uid };
}

/**
 * Where a trial's model lives: a folder of its study under the experiment's
 * output, named so a person recognises it (the study's name, made safe for a
 * file name) and unique across storages (the uid).
 *
 * @example trialModelPath('caviar-out/quickstart', { name: 'quickstart', uid: '5f0c7d2a' }, 3);
 *   // 'caviar-out/quickstart/trials/quickstart-5f0c7d2a/trial-3.safetensors'
 */
export function trialModelPath(output: string, study: StudyIdentity, trialNumber: number): string {
  const safe = study.name.replace(/[^\w.-]+/g, '_').slice(0, 64);
  return join(output, 'trials', `${safe}-${study.uid}`, `trial-${trialNumber}.safetensors`);
}

/**
 * The metadata a trial's model records: the study (name and uid), the trial
 * and its parameters. ONNX exports carry it too.
 *
 * @example trialModelMetadata({ name: 'quickstart', uid: '5f0c7d2a' }, 3, { learningRate: 0.01 });
 *   // { study: 'quickstart', studyUid: '5f0c7d2a', trial: '3', params: '{"learningRate":0.01}' }
 */
export function trialModelMetadata(study: StudyIdentity, trialNumber: number, params: Readonly<Record<string, ParamValue>>): Record<string, string> {
  return { study: study.name, studyUid: study.uid, trial: String(trialNumber), params: JSON.stringify(params) };
}

/** A model file that is not the trial's it was recorded for; `file`, `study` and `trial` say which. */
export class ModelOriginError extends Error {
  override name = 'ModelOriginError';
  constructor(
    readonly file: string,
    readonly study: string,
    readonly trial: number,
    problem: string,
  ) {
    super(`${file} is not the model of trial ${trial} of study '${study}': ${problem}`);
  }
}

/** The trial a model is checked against. */
export interface ExpectedTrial {
  readonly study: StudyIdentity;
  readonly number: number;
  readonly params: Readonly<Record<string, ParamValue>>;
}

/**
 * Checks a model file's record (its metadata) against the trial it is served
 * for; throws `ModelOriginError` naming the file, the study and the trial.
 * A file with a study uid must name this study's uid and this trial's number.
 * A file an earlier caviar wrote (no uid; `trial` and `params` only) passes
 * when both match the trial, and is refused otherwise.
 *
 * @example
 *   checkModelOrigin('caviar-out/q/trials/q-5f0c7d2a/trial-3.safetensors', metadata, { study: identity, number: 3, params: trial.params });
 */
export function checkModelOrigin(file: string, metadata: Readonly<Record<string, string>>, expected: ExpectedTrial): void {
  const { study, number } = expected;
  const refuse = (problem: string): never => {
    throw new ModelOriginError(file, study.name, number, problem);
  };
  const trial = metadata.trial;
  if (metadata.studyUid !== undefined) {
    if (metadata.studyUid !== study.uid) {
      refuse(`it records study '${metadata.study ?? '?'}' (uid ${metadata.studyUid}), trial ${trial ?? '?'}; this study's uid is ${study.uid}`);
    }
    if (trial !== String(number)) refuse(`it records trial ${trial ?? '(none)'} of this study`);
    return;
  }
  // Written before models recorded their study: the trial's number and parameters must both match.
  if (trial === undefined || metadata.params === undefined) {
    refuse('it records no study and no trial (it was not saved by caviar tune for this trial)');
  }
  if (trial !== String(number)) refuse(`it records trial ${trial} (a file of an earlier caviar, with no study recorded)`);
  let params: unknown;
  try {
    params = JSON.parse(metadata.params);
  } catch {
    refuse('its recorded parameters are not valid JSON');
  }
  const difference = paramsDifference(params, expected.params);
  if (difference) refuse(`it records other parameters (${difference}): the model of another study's trial ${trial}?`);
}

/** Where two parameter sets differ, in a few words, or null when they are equal. */
function paramsDifference(recorded: unknown, actual: Readonly<Record<string, ParamValue>>): string | null {
  if (typeof recorded !== 'object' || recorded === null || Array.isArray(recorded)) return 'not an object';
  const r = recorded as Record<string, unknown>;
  for (const key of new Set([...Object.keys(r), ...Object.keys(actual)])) {
    const a = r[key];
    const b = actual[key];
    if (!(key in r)) return `no ${key}; the trial has ${JSON.stringify(b)}`;
    if (!(key in actual)) return `${key} ${JSON.stringify(a)}, which the trial has not`;
    if (a !== b) return `${key} ${JSON.stringify(a)}; the trial has ${JSON.stringify(b)}`;
  }
  return null;
}

/**
 * Where a model came from, as its metadata says: for `caviar predict` and
 * the dashboard. Fields are null when the file does not record them.
 *
 * @example modelOrigin({ study: 'quickstart', studyUid: '5f0c7d2a', trial: '3' }); // { study: 'quickstart', studyUid: '5f0c7d2a', trial: 3, experiment: null }
 */
export function modelOrigin(metadata: Readonly<Record<string, string>>): { study: string | null; studyUid: string | null; trial: number | null; experiment: string | null } {
  const trial = metadata.trial !== undefined && /^\d+$/.test(metadata.trial) ? Number(metadata.trial) : null;
  return { study: metadata.study ?? null, studyUid: metadata.studyUid ?? null, trial, experiment: metadata.experiment ?? null };
}
