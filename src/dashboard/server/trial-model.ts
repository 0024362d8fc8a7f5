/**
 * A trial's model file as the dashboard serves it: the file the trial
 * recorded, and only when the file records this study and this trial
 * (`checkModelOrigin`); otherwise why it is refused, which the trial page
 * shows instead of another study's model.
 */
import { statSync } from 'node:fs';
import { checkModelOrigin, studyUid } from '../../experiment/trial-model.js';
import { readModelHeader } from '../../io/model-file.js';
import type { FrozenTrial } from '../../tune/types.js';
import type { StudyMirror } from './mirror.js';

/**
 * The model file a trial recorded (user attribute `model`), when it is a
 * .safetensors file that exists. Nothing else is ever served: the path comes
 * from the storage, never from the request.
 */
export function modelFile(t: FrozenTrial): string | undefined {
  const path = t.userAttrs.model;
  if (typeof path !== 'string' || !path.endsWith('.safetensors')) return undefined;
  try {
    return statSync(path).isFile() ? path : undefined;
  } catch {
    return undefined;
  }
}

/** Why a model file's record is not this trial's (another study's or trial's file), or null when it is. */
export function originProblem(m: StudyMirror, t: FrozenTrial, path: string, metadata: Record<string, string> | undefined): string | null {
  if (metadata === undefined) return `${path} is not the model of trial ${t.number} of study '${m.record.name}': it is not a readable caviar model file`;
  try {
    checkModelOrigin(path, metadata, { study: { name: m.record.name, uid: studyUid(m.record) }, number: t.number, params: t.params });
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Whether a trial has a model to download and predict with, and, when its
 * file is there but records another study or trial, why it is refused (the
 * page shows that instead of a wrong model). Reads only the file's header.
 */
export function modelState(m: StudyMirror, t: FrozenTrial): { hasModel: boolean; modelProblem: string | null } {
  const path = modelFile(t);
  if (!path) return { hasModel: false, modelProblem: null };
  const problem = originProblem(m, t, path, readModelHeader(path));
  return { hasModel: problem === null, modelProblem: problem };
}
