/**
 * The read-only API: studies, one study with its trials, parameter
 * importance, one trial with its history, and a trial's model file — only
 * when the file records this study and trial (`checkModelOrigin`).
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeSafetensors } from '../../io/safetensors.js';
import { decodeSavedModel } from '../../io/model-file.js';
import { exportOnnx } from '../../io/onnx/export.js';
import { objectiveNames } from '../../tune/multi/summary.js';
import type { CheckpointInfo, CommandRecord } from '../../tune/storage/storage.js';
import { LIVE_PARAMS } from '../../experiment/live.js';
import {
  type CheckpointRow,
  type CommandRow,
  type ImportanceAnswer,
  type StudyDetail,
  type StudySummary,
  type TrialDetail,
  type TrialLinkRow,
} from '../api-types.js';
import { encodeTrialColumns } from './columns.js';
import { hasRecordedExperiment } from './examples.js';
import type { ImportanceThread } from './importance-thread.js';
import { modelFile, modelState, originProblem } from './trial-model.js';
import { HttpError, SECURITY_HEADERS } from './http.js';
import { metricName, originRow, type StudyMirror } from './mirror.js';
import type { StoreSet } from './stores.js';

export async function listStudies(set: StoreSet): Promise<StudySummary[]> {
  return (await set.studies()).map((m) => m.summary(set.location(m)));
}

function detailOf(set: StoreSet, m: StudyMirror): StudyDetail {
  const location = set.location(m);
  return {
    summary: m.summary(location),
    userAttrs: m.record.userAttrs,
    distributions: m.distributions(location),
    regions: m.regions(),
    trials: m.trials.filter(Boolean).map((t) => m.row(t)),
    cursor: m.cursor,
  };
}

/**
 * A study's answer as JSON text, kept until the study changes: at 10,000
 * trials it is megabytes, and a page opened twice, or by two people, should
 * not pay for it twice.
 */
const detailText = new WeakMap<StudyMirror, { cursor: number; text: string }>();

export async function studyDetailJson(set: StoreSet, key: string): Promise<string> {
  return detailJsonOf(set, await set.study(key));
}

export function detailJsonOf(set: StoreSet, m: StudyMirror): string {
  const cached = detailText.get(m);
  if (cached && cached.cursor === m.cursor) return cached.text;
  const text = JSON.stringify(detailOf(set, m));
  detailText.set(m, { cursor: m.cursor, text });
  return text;
}

/** The study's trials as columns (`TrialColumnsHeader`), kept until the study changes, as its JSON is. */
const columnsCache = new WeakMap<StudyMirror, { cursor: number; resetAt: number; bytes: Buffer }>();

export async function studyColumns(set: StoreSet, key: string): Promise<Buffer> {
  return columnsOf(set, await set.study(key));
}

export function columnsOf(set: StoreSet, m: StudyMirror): Buffer {
  const cached = columnsCache.get(m);
  if (cached && cached.cursor === m.cursor && cached.resetAt === m.resetAt) return cached.bytes;
  const bytes = encodeTrialColumns(detailOf(set, m), `${m.storeIndex}-`);
  columnsCache.set(m, { cursor: m.cursor, resetAt: m.resetAt, bytes });
  return bytes;
}

export function sendColumns(req: IncomingMessage, res: ServerResponse, bytes: Buffer): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/octet-stream', 'content-length': bytes.length, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/**
 * fANOVA is a forest fitted to the trials: half a second at 1,000 trials.
 * It runs in a worker thread (`ImportanceThread`), so the server keeps
 * answering meanwhile; it uses the most recent `IMPORTANCE_TRIALS` complete
 * trials, is cached per study, on a running study is recomputed at most
 * every `IMPORTANCE_STALE_MS`, and requests that come while it computes
 * share the one computation.
 */
const IMPORTANCE_TRIALS = 1000;
const IMPORTANCE_STALE_MS = 5000;
const importanceCache = new WeakMap<StudyMirror, { cursor: number; resetAt: number; at: number; answer: ImportanceAnswer }>();
const importanceRunning = new WeakMap<StudyMirror, { cursor: number; resetAt: number; answer: Promise<ImportanceAnswer> }>();

export async function importance(set: StoreSet, key: string, thread: ImportanceThread): Promise<ImportanceAnswer> {
  const m = await set.study(key);
  const cached = importanceCache.get(m);
  // After a reset (the storage lost commits, or its file was made anew) the cursor counts again from below: an answer cached
  // at an equal cursor may be of trials that are gone, and would disagree with the summary.
  if (cached && cached.resetAt === m.resetAt && (cached.cursor === m.cursor || Date.now() - cached.at < IMPORTANCE_STALE_MS)) return cached.answer;
  const running = importanceRunning.get(m);
  if (running && running.resetAt === m.resetAt) return running.answer;
  const complete = m.trials.filter((t) => t && t.state === 'complete' && Number.isFinite(t.value)).slice(-IMPORTANCE_TRIALS);
  const stamp = { cursor: m.cursor, resetAt: m.resetAt };
  const answer = thread.compute(complete).then(
    (importance): ImportanceAnswer => ({ importance, trials: complete.length, message: null }),
    (e: Error): ImportanceAnswer => {
      // A worker that died says nothing about the study: that is the server's error, not an answer to cache.
      if (e.name !== 'ImportanceError') throw e;
      return { importance: [], trials: complete.length, message: e.message };
    },
  );
  importanceRunning.set(m, { ...stamp, answer });
  try {
    const done = await answer;
    importanceCache.set(m, { ...stamp, at: Date.now(), answer: done });
    return done;
  } finally {
    if (importanceRunning.get(m)?.answer === answer) importanceRunning.delete(m);
  }
}

function link(m: StudyMirror, n: unknown, reason?: string): TrialLinkRow | null {
  const key = m.keyOfNumber(n);
  return key === null ? null : { key, number: n as number, ...(reason ? { reason } : {}) };
}

export function commandRow(c: CommandRecord): CommandRow {
  return {
    id: c.id, kind: c.kind, args: c.args, state: c.state, createdAt: c.createdAt,
    settledAt: c.settledAt ?? null, step: c.step ?? null, message: c.message ?? null,
  };
}

function checkpointRow(c: CheckpointInfo): CheckpointRow {
  return { id: c.id, step: c.step, kind: c.kind, meta: c.meta, createdAt: c.createdAt, size: c.size };
}

export async function trialDetail(set: StoreSet, key: string): Promise<TrialDetail> {
  const { mirror: m, trial: t } = await set.trial(key);
  const [commands, checkpoints] = await Promise.all([m.storage.listCommands(t.id), m.storage.listCheckpoints(t.id)]);
  const row = m.row(t);
  const children: TrialLinkRow[] = [];
  for (const other of m.trials) {
    const o = other && originRow(other, m);
    if (o && o.trial === t.number) children.push({ key: m.trialKey(other.id), number: other.number, reason: o.reason });
  }
  return {
    key: row.key,
    studyKey: m.key,
    studyName: m.record.name,
    direction: m.record.direction,
    metric: metricName(m.record),
    number: t.number,
    state: t.state,
    // Full precision here (the study's rows are rounded to seven digits).
    value: t.value !== undefined && Number.isFinite(t.value) ? t.value : null,
    ...(t.values ? { objectiveValues: t.values, objectiveNames: objectiveNames(m.record.directions, m.record.systemAttrs) } : {}),
    ...(t.constraints ? { constraints: t.constraints } : {}),
    params: t.params,
    distributions: t.distributions,
    steps: row.steps,
    values: row.steps.map((s) => {
      const v = t.intermediate.get(s);
      return v !== undefined && Number.isFinite(v) ? v : null;
    }),
    userAttrs: t.userAttrs,
    systemAttrs: t.systemAttrs,
    startedAt: row.startedAt,
    completedAt: row.completedAt,
    worker: row.worker,
    origin: row.origin,
    retryOf: link(m, t.systemAttrs.retryOf),
    retriedBy: link(m, t.systemAttrs.retriedBy),
    children,
    commands: commands.map(commandRow),
    checkpoints: checkpoints.map(checkpointRow),
    ...modelState(m, t),
    hasExperiment: hasRecordedExperiment(m),
    // What a person most often changes, always; the rest when the trial tunes them (and so has a value to start from).
    mutableParams: LIVE_PARAMS.filter((p) => p === 'learningRate' || p === 'epochs' || typeof t.params[p] === 'number'),
    studyCursor: m.cursor,
  };
}

/**
 * A trial's model file, checked to record this study and trial; with
 * `format: 'onnx'`, that model as one ONNX graph (as `caviar export` writes
 * it, with the file's metadata), so a point picked on the Pareto front goes
 * straight to ONNX Runtime.
 */
export async function sendModel(set: StoreSet, key: string, res: ServerResponse, format: 'safetensors' | 'onnx' = 'safetensors'): Promise<void> {
  const { mirror, trial } = await set.trial(key);
  const path = modelFile(trial);
  if (!path) throw new HttpError(404, `trial ${trial.number} has no model file to download (none recorded, or it was moved or deleted)`);
  // One read: the bytes checked are the bytes sent, even if the file is replaced meanwhile.
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new HttpError(404, `trial ${trial.number}'s model file cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let metadata: Record<string, string> | undefined;
  try {
    metadata = decodeSafetensors(bytes, path).metadata;
  } catch {
    metadata = undefined;
  }
  const problem = originProblem(mirror, trial, path, metadata);
  if (problem) throw new HttpError(409, `refused: ${problem}`);
  if (format === 'onnx') {
    let onnx: Uint8Array;
    try {
      const saved = decodeSavedModel(bytes, path);
      onnx = exportOnnx(saved.model, { metadata: saved.metadata });
    } catch (e) {
      throw new HttpError(422, `trial ${trial.number}'s model cannot be written as ONNX: ${(e as Error).message}`);
    }
    bytes = Buffer.from(onnx.buffer, onnx.byteOffset, onnx.byteLength);
  }
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'application/octet-stream',
    'content-length': bytes.length,
    // Only the trial's number goes in the name: no user string reaches a header.
    'content-disposition': `attachment; filename="trial-${trial.number}.${format}"`,
    'cache-control': 'no-store',
  });
  res.end(bytes);
}
