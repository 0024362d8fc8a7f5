/**
 * `caviar predict MODEL DATA`: runs a saved model on new rows and writes the
 * class probabilities (or, with `--classes`, the predicted class) as CSV or
 * JSON lines. DATA is a CSV file with a header row or an IDX images file; the
 * model applies its own saved input normalization, so DATA holds raw inputs,
 * as the training data did.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../data/errors.js';
import { isGzip, readIdx } from '../data/idx.js';
import { modelOrigin } from '../experiment/trial-model.js';
import { loadSavedModel } from '../io/model-file.js';
import { argmaxRows } from '../train/evaluate.js';
import { checkOutputFile, type OutputRule } from '../io/output-file.js';
import { writeFileAtomically } from '../util/atomic-write.js';
import { UsageError, type Output } from './output.js';
import { parseCommand } from './args.js';
import { command, helpText } from './command.js';

export const predictSpec = command({
  name: 'predict',
  summary: 'class probabilities or classes of a saved model on a CSV or IDX file',
  usage: 'MODEL DATA [options]',
  about: `Runs the model saved in MODEL (a .safetensors file from caviar train, tune or
best) on DATA and writes one line per row: the probability of every class, or
the predicted class with --classes. The model normalizes its inputs itself:
give it raw values, as in the training data.

DATA is either
  a CSV file with a header row: every column but the label column is a
    feature, taken in order (the model's inputs are matched by count); or
  an IDX images file (e.g. t10k-images-idx3-ubyte.gz, gzipped or not): each
    image is one row, its pixels the features.`,
  options: {
    format: {
      type: 'string', choices: ['csv', 'json'],
      doc: 'csv (default): a header (class names when the model file has them, else class_0, class_1, ...) and one row each; json: one JSON object per row',
    },
    classes: { type: 'boolean', doc: 'the predicted class per row instead of probabilities' },
    label: {
      type: 'string', value: 'COLUMN|FILE',
      doc: 'CSV: the label column, left out of the features and compared with the predictions (accuracy at the end); IDX: a labels file for the images',
    },
    out: {
      type: 'string', value: 'PATH',
      doc: 'write the predictions to PATH (atomically) instead of stdout. A predictions file there is replaced; MODEL, DATA, a study file or a folder never is',
    },
    force: { type: 'boolean', doc: 'replace the --out file even when it is not a predictions file' },
  },
  notes: `Where the model came from (the study and trial of a tuned model) is printed
first: on stdout with --out or --json, else on stderr, so that stdout holds
only the predictions. With --json and no --out, each prediction is a
'prediction' event.`,
  exits: '0 predicted; 2 bad usage, a MODEL or DATA that cannot be read or does not fit the model (feature count, class names), or --out refused',
  examples: ['caviar predict caviar-out/model.safetensors examples/new-points.csv --label class --classes'],
});

/** The rows to predict: [count][features] raw inputs, and the labels when given. */
interface Rows {
  x: Float32Array;
  count: number;
  features: number;
  /** Class index per row, when a label column or labels file was given. */
  labels?: Int32Array;
}

export async function predictCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, predictSpec);
  if (values.help) {
    out.text(helpText(predictSpec));
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`expected a MODEL file and a DATA file, got ${positionals.length} arguments: caviar predict ${predictSpec.usage}`);
  const format = values.format ?? 'csv';
  const [modelPath, dataPath] = positionals;
  const idx = isIdxFile(dataPath);
  const rule: OutputRule = {
    flag: '--out', kind: 'predictions', force: Boolean(values.force),
    inputs: [{ path: modelPath, what: 'MODEL' }, { path: dataPath, what: 'DATA' }, ...(idx && values.label !== undefined ? [{ path: values.label, what: 'the --label file' }] : [])],
  };
  if (values.out !== undefined) checkOutputFile(values.out, rule);
  const { model, metadata } = loadSavedModel(modelPath);
  showOrigin(modelPath, metadata, out, values.out === undefined && !values.json);
  const classes = model.classes;
  const names = classNames(metadata, classes);
  const rows = idx
    ? readIdxRows(dataPath, values.label, model.inputSize, modelPath, classes)
    : readCsvRows(dataPath, values.label, model.inputSize, modelPath, names ?? [], classes);

  const probabilities = model.predict(rows.x); // [count][classes]
  const predicted = argmaxRows(probabilities, classes); // [count]
  const header = names ?? Array.from({ length: classes }, (_, c) => `class_${c}`);
  const className = (c: number) => (names ? names[c] : c);

  if (values.out !== undefined || !values.json) {
    const lines: string[] = [];
    if (format === 'csv') lines.push(values.classes ? 'class' : header.map(csvCell).join(','));
    for (let i = 0; i < rows.count; i++) {
      const p = Array.from(probabilities.subarray(i * classes, (i + 1) * classes), float32Text);
      if (format === 'csv') lines.push(values.classes ? csvCell(String(className(predicted[i]))) : p.join(','));
      else lines.push(values.classes ? JSON.stringify({ row: i, class: className(predicted[i]) }) : `{"row":${i},"probabilities":[${p.join(',')}]}`);
    }
    if (values.out !== undefined) {
      checkOutputFile(values.out, rule);
      writeFileAtomically(values.out, lines.join('\n') + '\n');
      out.event('written', { path: values.out, rows: rows.count, format, classes: Boolean(values.classes) },
        `${rows.count} ${values.classes ? 'predicted classes' : 'rows of probabilities'} written to ${values.out}`);
    } else {
      for (const line of lines) out.text(line);
    }
  } else {
    // --json without --out: every prediction is an event, so the stream stays one JSON object per line.
    for (let i = 0; i < rows.count; i++) {
      out.event('prediction', values.classes
        ? { row: i, class: className(predicted[i]) }
        : { row: i, probabilities: Array.from(probabilities.subarray(i * classes, (i + 1) * classes), (v) => Number(float32Text(v))) }, '');
    }
  }
  if (rows.labels) {
    let correct = 0;
    for (let i = 0; i < rows.count; i++) if (predicted[i] === rows.labels[i]) correct++;
    const accuracy = correct / rows.count;
    out.event('accuracy', { accuracy, correct, rows: rows.count }, `accuracy ${accuracy.toFixed(4)} on ${rows.count} rows`);
  }
  return 0;
}

/**
 * Where the model came from: the study and trial of a tuned model, else the
 * experiment it was trained on. An event; when stdout carries the
 * predictions as text, a line on stderr instead, so that it stays CSV.
 */
function showOrigin(path: string, metadata: Record<string, string>, out: Output, toStderr: boolean): void {
  const origin = modelOrigin(metadata);
  // An ensemble (caviar best --ensemble) records its members' trials as a JSON list.
  const members = metadata.trials;
  const text = origin.study !== null && members !== undefined
    ? `Model ${path}: an ensemble of trials ${members.replace(/,/g, ', ')} of study '${origin.study}'${origin.studyUid ? ` (uid ${origin.studyUid})` : ''}` +
      `${origin.experiment ? `, experiment '${origin.experiment}'` : ''}`
    : origin.study !== null && origin.trial !== null
    ? `Model ${path}: trial ${origin.trial} of study '${origin.study}'${origin.studyUid ? ` (uid ${origin.studyUid})` : ''}` +
      `${origin.experiment ? `, experiment '${origin.experiment}'` : ''}${metadata.retrained === 'true' ? ', retrained' : metadata.refit === 'true' ? ', refit on train + dev' : ''}`
    : origin.trial !== null
      ? `Model ${path}: trial ${origin.trial} of an unrecorded study${origin.experiment ? ` of experiment '${origin.experiment}'` : ''} (saved by an earlier caviar tune)`
      : `Model ${path}: not from a study${origin.experiment ? ` (experiment '${origin.experiment}')` : ''}`;
  if (toStderr) process.stderr.write(`${text}\n`);
  else out.event('model', { path, ...origin }, text);
}

/** Class names saved with the model (metadata `classNames`, a JSON list), when they fit its classes. */
function classNames(metadata: Record<string, string>, classes: number): string[] | undefined {
  const raw = metadata.classNames;
  if (raw === undefined) return undefined;
  try {
    const names = JSON.parse(raw) as unknown;
    if (Array.isArray(names) && names.length === classes && names.every((n) => typeof n === 'string')) return names as string[];
  } catch {
    // Not ours to fail on: predictions are still right, only the header is plainer.
  }
  return undefined;
}

/** IDX by magic bytes (00 00 type dims), gzipped or not; everything else is read as CSV. */
function isIdxFile(path: string): boolean {
  if (/\.csv$/i.test(path)) return false;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new DataError(path, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot read: ${(err as Error).message}`);
  }
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes).subarray(0, 4);
    } catch {
      return true; // readIdx says what is wrong with it
    }
  }
  return bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0;
}

function readIdxRows(path: string, labelsPath: string | undefined, inputs: number, modelPath: string, classes: number): Rows {
  const images = readIdx(path);
  const count = images.shape[0];
  const features = images.shape.slice(1).reduce((a, b) => a * b, 1);
  if (features !== inputs) {
    throw new DataError(path, `each image has ${features} values (shape [${images.shape.slice(1).join(', ')}]), but the model in ${modelPath} takes ${inputs} inputs`);
  }
  if (count === 0) throw new DataError(path, 'has 0 images');
  const rows: Rows = { x: Float32Array.from(images.data), count, features };
  if (labelsPath !== undefined) {
    const labels = readIdx(labelsPath);
    if (labels.shape.length !== 1) throw new DataError(labelsPath, `labels must be 1-dimensional, got shape [${labels.shape.join(', ')}]`);
    if (labels.shape[0] !== count) throw new DataError(labelsPath, `has ${labels.shape[0]} labels but ${path} has ${count} images`);
    rows.labels = Int32Array.from(labels.data, (v, i) => {
      if (!Number.isInteger(v) || v < 0 || v >= classes) throw new DataError(labelsPath, `label ${i} is ${v}; the model has classes 0..${classes - 1}`);
      return v;
    });
  }
  return rows;
}

/**
 * A CSV file's feature columns (all but the label column), checked against
 * the model's input count, and its labels: class indices 0..C-1, or the
 * model's class names.
 */
function readCsvRows(path: string, label: string | undefined, inputs: number, modelPath: string, names: readonly string[], classes: number): Rows {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DataError(path, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot read: ${(err as Error).message}`);
  }
  const records = csvRecords(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, path);
  if (records.length === 0) throw new DataError(path, 'is empty; expected a header row');
  const [header, ...body] = records;
  const columns = header.fields.map((f) => f.trim());
  const labelIndex = label === undefined ? -1 : columns.indexOf(label);
  if (label !== undefined && labelIndex < 0) {
    throw new DataError(path, `--label: no column named ${JSON.stringify(label)}; the columns are ${columns.map((c) => JSON.stringify(c)).join(', ')}`);
  }
  const featureColumns = columns.map((_, j) => j).filter((j) => j !== labelIndex);
  if (featureColumns.length !== inputs) {
    throw new DataError(path, `has ${featureColumns.length} feature column${featureColumns.length === 1 ? '' : 's'}` +
      `${label === undefined ? '' : ` besides the label column ${JSON.stringify(label)}`}, but the model in ${modelPath} takes ${inputs} inputs` +
      (label === undefined && featureColumns.length === inputs + 1 ? ' (is one of them the label? name it with --label)' : ''));
  }
  if (body.length === 0) throw new DataError(path, 'has a header but no data rows');
  const features = inputs;
  const x = new Float32Array(body.length * features); // [count][features]
  const labels = label === undefined ? undefined : new Int32Array(body.length);
  body.forEach((row, i) => {
    if (row.fields.length !== columns.length) {
      throw new DataError(path, `line ${row.line}: expected ${columns.length} fields (as in the header) but found ${row.fields.length}`);
    }
    featureColumns.forEach((j, k) => {
      const cell = row.fields[j].trim();
      const v = NUMBER.test(cell) ? Number(cell) : NaN;
      if (!Number.isFinite(v)) throw new DataError(path, `line ${row.line}, column ${JSON.stringify(columns[j])}: ${JSON.stringify(row.fields[j])} is not a number`);
      x[i * features + k] = v;
    });
    if (labels) labels[i] = labelIndexOf(row.fields[labelIndex].trim(), names, classes, path, row.line, label!);
  });
  return { x, count: body.length, features, ...(labels ? { labels } : {}) };
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function labelIndexOf(cell: string, names: readonly string[], classes: number, path: string, line: number, column: string): number {
  const named = names.indexOf(cell);
  if (named >= 0) return named;
  if (/^\d+$/.test(cell) && Number(cell) < classes) return Number(cell);
  const expected = names.length ? `one of ${names.map((n) => JSON.stringify(n)).join(', ')} or a class index` : 'a class index';
  throw new DataError(path, `line ${line}, column ${JSON.stringify(column)}: label ${JSON.stringify(cell)} is not ${expected} 0..${classes - 1}`);
}

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks); blank lines are skipped. */
function csvRecords(text: string, path: string): Array<{ line: number; fields: string[] }> {
  const records: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  const end = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0].trim() !== '' || quoted) records.push({ line: start, fields });
    fields = [];
    field = '';
    quoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && field === '') {
      quoted = true;
      const open = line;
      for (i++; ; i++) {
        if (i >= text.length) throw new DataError(path, `line ${open}: quoted field is never closed`);
        if (text[i] === '"') {
          if (text[i + 1] !== '"') break;
          i++;
        } else if (text[i] === '\n') line++;
        field += text[i];
      }
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      end();
      line++;
      start = line;
    } else field += c;
  }
  if (field !== '' || fields.length > 0 || quoted) end();
  return records;
}

/** Nine significant digits: enough to read back the same float32, bit for bit. */
function float32Text(v: number): string {
  return String(Number(v.toPrecision(9)));
}

function csvCell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

