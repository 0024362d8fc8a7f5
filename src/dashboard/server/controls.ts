/**
 * The panda controls: each request checks its body and calls the library's
 * `TrialController` (or `forkTrial`), exactly what a script would call, so the
 * trial sees the same commands whoever sent them. The token is checked by the
 * router before any of this runs.
 */
import { TrialController } from '../../tune/control.js';
import type { CommandRecord } from '../../tune/storage/storage.js';
import type { ParamValue } from '../../tune/types.js';
import { LIVE_PARAMS } from '../../experiment/live.js';
import type { CommandRow, TrialLinkRow } from '../api-types.js';
import { commandRow } from './api.js';
import { HttpError } from './http.js';
import type { StoreSet } from './stores.js';

export const CONTROL_ACTIONS = ['pause', 'resume', 'stop', 'checkpoint', 'set', 'rollback', 'fork'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

function checkpointId(body: Record<string, unknown>): number {
  const id = body.checkpointId;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw new HttpError(400, `checkpointId: expected a checkpoint id (an integer >= 0), got ${JSON.stringify(id) ?? 'nothing'}`);
  return id;
}

function paramsOf(body: Record<string, unknown>, required: boolean): Record<string, unknown> {
  const params = body.params ?? (required ? undefined : {});
  if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new HttpError(400, `params: expected an object of parameter values, e.g. {"learningRate": 0.001}`);
  if (required && Object.keys(params).length === 0) throw new HttpError(400, 'params: name at least one parameter to change');
  return params as Record<string, unknown>;
}

/** `set`: only hyperparameters that can change while training (the trial checks their ranges), each a finite number. */
function settable(body: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(paramsOf(body, true))) {
    if (!(LIVE_PARAMS as readonly string[]).includes(name)) throw new HttpError(400, `params.${name.slice(0, 60)}: cannot change while a trial runs (these can: ${LIVE_PARAMS.join(', ')})`);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new HttpError(400, `params.${name}: expected a finite number, got ${JSON.stringify(value)}`);
    out[name] = value;
  }
  return out;
}

/** `fork`: new values for any of the parent's parameters (the controller checks the names). */
function forkParams(body: Record<string, unknown>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries(paramsOf(body, false))) {
    const ok = value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!ok) throw new HttpError(400, `params.${name.slice(0, 60)}: expected a number, string, boolean or null`);
    out[name] = value as ParamValue;
  }
  return out;
}

/** Runs one control action on the trial with this key; answers the command sent (or, for a fork, the new trial). */
export async function control(
  set: StoreSet,
  key: string,
  action: ControlAction,
  body: Record<string, unknown>,
): Promise<{ command: CommandRow } | { trial: TrialLinkRow }> {
  const { mirror, trial } = await set.trial(key);
  const controller = new TrialController(mirror.storage, trial.id);
  let command: CommandRecord;
  switch (action) {
    case 'pause':
      command = await controller.pause();
      break;
    case 'resume':
      command = await controller.resume();
      break;
    case 'stop':
      command = await controller.stop();
      break;
    case 'checkpoint':
      command = await controller.checkpoint();
      break;
    case 'set':
      command = await controller.set(settable(body));
      break;
    case 'rollback':
      command = await controller.rollback(checkpointId(body));
      break;
    case 'fork': {
      const child = await controller.fork(checkpointId(body), forkParams(body));
      return { trial: { key: mirror.trialKey(child.id), number: child.number, reason: 'fork' } };
    }
  }
  return { command: commandRow(command) };
}
