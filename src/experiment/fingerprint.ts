/**
 * What problem a study's trials solve, so that resuming a study with another
 * experiment (3 classes instead of 5, another data set, other epochs) is
 * caught instead of mixing trials that do not compare.
 *
 * The problem is the experiment's data, model, training settings, seed and
 * declared search space (and metric, and population settings), normalized:
 * the name, output folder, budget, workers, sampler and pruner may change
 * between runs of one study. Data files count by their contents (SHA-256),
 * not their paths, so moving a project folder changes nothing. `caviar tune`
 * records it in the study (system attribute `problem`) when it creates the
 * study, and compares on every resume.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { describeConstraint } from './measures.js';
import { DATA_FILE_FIELDS, MODEL_FIELDS, parseExperiment, type DataSettings, type Experiment } from './spec.js';

/** A data file as the problem records it: its contents' digest, with the name and size for messages. */
interface DataFile {
  readonly path: string;
  readonly name: string;
  readonly bytes?: number;
  readonly sha256?: string;
}

/** The normalized problem: plain JSON. */
export type Problem = Record<string, unknown>;


/**
 * The problem an experiment poses, with its data files digested.
 *
 * @example problemOf(readExperiment('exp.yaml')).data; // { source: 'csv', path: { name: 'iris.csv', bytes: 4551, sha256: '…' }, … }
 */
export function problemOf(exp: Experiment, options: { digest?: boolean } = {}): Problem {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(exp.data as DataSettings)) {
    if (value === undefined) continue;
    // A Fashion-MNIST folder holds the same published files wherever it is.
    if (key === 'dir') continue;
    data[key] = (DATA_FILE_FIELDS as readonly string[]).includes(key) ? dataFile(String(value), options.digest !== false) : value;
  }
  const model: Record<string, unknown> = {};
  const train: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(exp.settings)) {
    if (value === undefined) continue;
    if (exp.settings.layers && (key === 'hidden' || key === 'batchNorm' || key === 'activation' || key === 'dropout')) continue;
    (MODEL_FIELDS.includes(key) ? model : train)[key] = value;
  }
  const tune = exp.tune;
  return JSON.parse(JSON.stringify({
    seed: exp.seed,
    data,
    model,
    train,
    tune: {
      metric: tune?.metric ?? 'devAccuracy', epoch: tune?.epoch ?? 'best', space: tune?.space ?? 'default', ...(tune?.pbt ? { pbt: tune.pbt } : {}),
      // Recorded only when they say more than the metric, so single-objective studies keep the problem they recorded.
      ...(tune && (tune.objectives.length > 1 || tune.objectives[0] !== tune.metric) ? { objectives: tune.objectives } : {}),
      ...(tune && tune.constraints.length > 0 ? { constraints: tune.constraints.map(describeConstraint) } : {}),
    },
  })) as Problem;
}

/**
 * The problem a study was made for: its recorded `problem`, else (a study
 * made before problems were recorded) the one its recorded experiment poses,
 * with file paths in place of digests; undefined when it recorded neither.
 */
export function recordedProblem(systemAttrs: Readonly<Record<string, unknown>>, data: unknown): Problem | undefined {
  const problem = systemAttrs.problem;
  if (problem && typeof problem === 'object') {
    // Studies recorded before tune.epoch existed scored every trial by its last epoch.
    const tune = (problem as { tune?: unknown }).tune;
    if (tune && typeof tune === 'object' && !('epoch' in tune)) return { ...problem, tune: { ...tune, epoch: 'last' } } as Problem;
    return problem as Problem;
  }
  const d = data as { experiment?: unknown; source?: unknown } | null;
  if (!d || typeof d !== 'object' || d.experiment === undefined || typeof d.source !== 'string') return undefined;
  try {
    const problem = problemOf(parseExperiment(d.experiment, d.source), { digest: false });
    // Such a study predates tune.epoch: its trials were scored by their last epoch.
    return { ...problem, tune: { ...(problem.tune as object), epoch: 'last' } };
  } catch {
    // An experiment this version no longer reads cannot be compared; the study goes on as before.
    return undefined;
  }
}

/**
 * What differs between two problems, one line per changed setting
 * (`data.classes: 3 → 5`), in a stable order; empty when they are the same.
 *
 * @example problemChanges(before, after); // ['data.classes: 3 → 5', 'train.epochs: 15 → 5']
 */
export function problemChanges(before: Problem, after: Problem): string[] {
  const changes: string[] = [];
  diff(before, after, '', changes);
  return changes;
}

function diff(a: unknown, b: unknown, path: string, out: string[]): void {
  if (isDataFile(a) && isDataFile(b)) {
    // Same contents, wherever they are; without both digests (an older study), the paths decide.
    const same = a.sha256 !== undefined && b.sha256 !== undefined ? a.sha256 === b.sha256 : a.path === b.path;
    if (!same) out.push(`${path}: another file (${describeFile(a)} → ${describeFile(b)})`);
    return;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      diff(a[key], b[key], path ? `${path}.${key}` : key, out);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path}: ${show(a)} → ${show(b)}`);
}

function dataFile(path: string, digest: boolean): DataFile {
  if (!digest) return { path, name: basename(path) };
  return { path, name: basename(path), ...fileDigest(path) };
}

/** SHA-256 of a file, read in 1 MiB pieces (a data set can be larger than is wise to hold twice). */
function fileDigest(path: string): { bytes: number; sha256: string } {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return { bytes: statSync(path).size, sha256: hash.digest('hex') };
}

function isDataFile(v: unknown): v is DataFile {
  return isPlainObject(v) && typeof v.path === 'string' && typeof v.name === 'string';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describeFile(f: DataFile): string {
  return `${f.name}${f.bytes !== undefined ? `, ${f.bytes} bytes` : ''}${f.sha256 ? `, sha256 ${f.sha256.slice(0, 8)}` : ''}`;
}

function show(v: unknown): string {
  if (v === undefined) return '(not set)';
  const text = JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
