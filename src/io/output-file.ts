/**
 * May this command write here? One rule for every command that writes a file
 * (`best --export`, `train --out`, `export`, `import`, `predict --out`, `zoom`,
 * and the trial models `tune` saves), so that one mistyped path never costs a
 * study or a person's file:
 *
 *   1. a path that does not exist is fine;
 *   2. a folder, or anything that is not a plain file, is refused;
 *   3. a study file is never replaced, not even with `--force`: a SQLite
 *      database (it starts with "SQLite format 3\0"), its write-ahead log
 *      (magic 0x377f0682 or 0x377f0683) or its `-wal`/`-shm`/`-journal`
 *      companion, and the study file the command itself reads;
 *   4. the command's own input (MODEL, DATA, the experiment file) is never its output;
 *   5. a file of the kind the command writes may be replaced:
 *      - `model`: a safetensors file whose header metadata has `caviar.format`
 *        (only the header is read);
 *      - `onnx`: an ONNX ModelProto from producer `caviar` with a
 *        `caviar.format` of `caviar-onnx/...` in its metadata;
 *      - `predictions`: what `caviar predict --out` writes: JSON lines
 *        `{"row":i,"probabilities":[...]}` or `{"row":i,"class":...}` with i
 *        counting from 0; a CSV with the single column `class`; or a CSV whose
 *        every row holds one probability per header column, each in [0, 1],
 *        summing to 1 (the first MiB is read);
 *      - `zoom experiment`: a YAML file whose first line is `# caviar zoom:`;
 *   6. anything else is refused unless `force` is given.
 *
 * A refusal is an `OutputFileError`: one line naming the path, what it is,
 * and the way out (exit 2 from the command line). Nothing is written.
 *
 * @example
 *   checkOutputFile('study.db', { flag: '--export', kind: 'model' });
 *   // OutputFileError: --export study.db: is a caviar study file (a SQLite database); caviar never replaces a study, not even with --force; choose another path
 */
import { existsSync, readFileSync, statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { decodeModelProto } from './onnx/onnx-proto.js';
import { readModelHeader } from './model-file.js';
import { readFileHead } from '../util/file-head.js';

/** What a command writes, and so which existing files it may replace. */
export type OutputKind = 'model' | 'onnx' | 'predictions' | 'zoom experiment';

export interface OutputRule {
  /** How the path was given, for the message: '--export', '--out', 'OUT'. */
  readonly flag: string;
  readonly kind: OutputKind;
  /** The person asked to replace a file of another kind (never a study, an input or a folder). */
  readonly force?: boolean;
  /** The command's own input files, each with what it is ('MODEL', 'the experiment file'). */
  readonly inputs?: readonly { readonly path: string; readonly what: string }[];
  /** Study files the command reads, as paths (`studyFilePath` in tune/storage/open.ts); undefined for a database, which has none. */
  readonly studies?: readonly (string | undefined)[];
}

/** A path a command refuses to write to; the message is one line. */
export class OutputFileError extends Error {
  override name = 'OutputFileError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

const KIND_TEXT: Record<OutputKind, string> = {
  model: 'a caviar model file',
  onnx: 'an ONNX file caviar exported',
  predictions: 'a predictions file caviar predict wrote',
  'zoom experiment': 'a child experiment caviar zoom wrote',
};

/**
 * Throws `OutputFileError` when `path` may not be written by a command that
 * writes `rule.kind`; returns whether a file is there that will be replaced.
 *
 * @example
 *   const replaces = checkOutputFile('model.onnx', { flag: 'OUT', kind: 'onnx', inputs: [{ path: 'model.safetensors', what: 'MODEL' }] });
 */
export function checkOutputFile(path: string, rule: OutputRule): boolean {
  const named = `${rule.flag} ${path}`;
  const refuse = (what: string, wayOut: string): never => {
    throw new OutputFileError(path, `${named}: ${what}; ${wayOut}`);
  };
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Nothing there: a folder on the way that is a file (ENOTDIR) is for the write to report, as it does.
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    return refuse(`cannot be checked (${code ?? (err as Error).message})`, 'choose another path');
  }
  if (stat.isDirectory()) return refuse('is a folder', `name a file inside it, e.g. ${joinName(path, rule.kind)}`);
  if (!stat.isFile()) return refuse('is not a plain file (a device, socket or pipe)', 'choose another path');

  for (const study of rule.studies ?? []) {
    if (study !== undefined && sameFile(path, stat, study)) {
      refuse('is the study file this command reads', 'caviar never replaces a study, not even with --force; choose another path');
    }
  }
  const study = studyFileKind(path);
  if (study) refuse(`is ${study}`, 'caviar never replaces a study, not even with --force; choose another path');
  for (const input of rule.inputs ?? []) {
    if (sameFile(path, stat, input.path)) refuse(`is this command's input (${input.what})`, 'a command never writes over what it reads; choose another path');
  }
  if (isOfKind(path, stat, rule.kind)) return true;
  if (rule.force) return true;
  return refuse(`exists and is ${describeFile(path, stat)}, not ${KIND_TEXT[rule.kind]}`, 'choose another path, or add --force to replace it');
}

/** 'a caviar study file (...)' when `path` is one or belongs to one, else undefined. */
function studyFileKind(path: string): string | undefined {
  const head = readFileHead(path, 16);
  if (startsWith(head, SQLITE_MAGIC)) return 'a caviar study file (a SQLite database)';
  const magic = head.length >= 4 ? ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0 : 0;
  if (magic === 0x377f0682 || magic === 0x377f0683) return 'the write-ahead log of a SQLite study file';
  const companion = /^(.*)-(wal|shm|journal)$/.exec(path);
  if (companion && existsSync(companion[1]) && startsWith(readFileHead(companion[1], 16), SQLITE_MAGIC)) {
    return `part of the SQLite study file ${companion[1]} (its -${companion[2]} file)`;
  }
  return undefined;
}

const SQLITE_MAGIC = new TextEncoder().encode('SQLite format 3\0');

function isOfKind(path: string, stat: Stats, kind: OutputKind): boolean {
  switch (kind) {
    case 'model':
      return isCaviarModel(path);
    case 'onnx':
      return isCaviarOnnx(path, stat);
    case 'predictions':
      return isPredictions(readFileHead(path, MIB));
    case 'zoom experiment':
      return new TextDecoder().decode(readFileHead(path, 64)).startsWith('# caviar zoom:');
  }
}

const MIB = 1 << 20;

/** A safetensors header (8-byte length, then JSON) whose metadata has caviar.format (a model or an ensemble); only the header is read. */
function isCaviarModel(path: string): boolean {
  return /^caviar-(model|ensemble)\//.test(readModelHeader(path)?.['caviar.format'] ?? '');
}

/** An ONNX file from producer caviar with caviar.format caviar-onnx/...; files over 1 GiB are not read. */
function isCaviarOnnx(path: string, stat: Stats): boolean {
  if (stat.size > 1024 * MIB) return false;
  try {
    const model = decodeModelProto(readFileSync(path));
    return model.producerName === 'caviar' && model.metadataProps.some((p) => p.key === 'caviar.format' && p.value.startsWith('caviar-onnx/'));
  } catch {
    return false;
  }
}

/** What `caviar predict --out` writes (see the header), judged on the complete lines of `head`. */
export function isPredictions(head: Uint8Array): boolean {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(head);
  } catch {
    // A multi-byte character cut at the end of the first MiB: judge what comes before it.
    text = new TextDecoder('utf-8').decode(head).replace(/\uFFFD+$/, '');
  }
  const end = text.lastIndexOf('\n');
  if (end < 0) return false;
  const lines = text.slice(0, end).split('\n');
  if (lines[0].startsWith('{')) return lines.every(isPredictionLine);
  if (lines.length < 2) return false;
  if (lines[0] === 'class') return lines.slice(1).every((l) => l !== '' && (csvFields(l)?.length ?? 0) === 1);
  const columns = csvFields(lines[0])?.length ?? 0;
  if (columns < 2) return false;
  return lines.slice(1).every((line) => {
    const p = line.split(',').map((c) => (/^[-+0-9.eE]+$/.test(c) ? Number(c) : NaN));
    return p.length === columns && p.every((v) => v >= 0 && v <= 1) && Math.abs(p.reduce((s, v) => s + v, 0) - 1) <= 1e-4 * columns;
  });

  function isPredictionLine(line: string, i: number): boolean {
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      return false;
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return false;
    const keys = Object.keys(o).sort().join(',');
    const r = o as { row?: unknown; probabilities?: unknown; class?: unknown };
    if (r.row !== i) return false;
    if (keys === 'class,row') return typeof r.class === 'string' || typeof r.class === 'number';
    return keys === 'probabilities,row' && Array.isArray(r.probabilities) && r.probabilities.every((v) => typeof v === 'number' && v >= 0 && v <= 1);
  }
}

/** The fields of one CSV line (quotes honoured), or undefined when a quote is left open. */
function csvFields(line: string): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"' && field === '') {
      for (i++; ; i++) {
        if (i >= line.length) return undefined;
        if (line[i] === '"') {
          if (line[i + 1] !== '"') break;
          i++;
        }
        field += line[i];
      }
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/** A few words on what an existing file is, for the refusal. */
function describeFile(path: string, stat: Stats): string {
  if (stat.size === 0) return 'an empty file';
  const meta = readModelHeader(path);
  if (meta) return meta['caviar.format'] ? `a caviar model file` : 'a safetensors file caviar did not write';
  const head = readFileHead(path, 4096);
  if (head[0] === 0x1f && head[1] === 0x8b) return 'a gzip file (a data set?)';
  if (head.length >= 4 && head[0] === 0 && head[1] === 0 && head[2] >= 0x08) return 'an IDX data file';
  if (isCaviarOnnx(path, stat)) return 'an ONNX file caviar exported';
  if (head.includes(0)) return `a binary file of ${stat.size} bytes`;
  if (isPredictions(readFileHead(path, MIB))) return 'a predictions file';
  if (new TextDecoder().decode(head.subarray(0, 64)).startsWith('# caviar zoom:')) return 'a child experiment caviar zoom wrote';
  return `a text file of ${stat.size} bytes`;
}

function joinName(folder: string, kind: OutputKind): string {
  const name = kind === 'model' ? 'model.safetensors' : kind === 'onnx' ? 'model.onnx' : kind === 'predictions' ? 'predictions.csv' : 'child.yaml';
  return `${folder.replace(/\/+$/, '')}/${name}`;
}

/** Whether `other` is the file at `path` (same device and inode, so links count; else the same absolute path). */
function sameFile(path: string, stat: Stats, other: string): boolean {
  try {
    const o = statSync(other);
    return o.dev === stat.dev && o.ino === stat.ino;
  } catch {
    return resolve(path) === resolve(other);
  }
}


function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}
