/**
 * CSV files as data sets: a header row, one example per row, one column holds
 * the label and every other column is a numeric feature.
 *
 * The parser follows RFC 4180: fields may be quoted, a quoted field may hold
 * the delimiter, line breaks and doubled quotes (`"say ""hi"""`); rows end in
 * LF or CRLF. Blank lines (a trailing newline or two, an empty line between
 * rows) are skipped, as pandas does. Error messages count physical lines from
 * 1 (the header is line 1), so they match what an editor shows.
 */
import { readFileSync } from 'node:fs';
import type { Dataset } from './dataset.js';
import { DataError } from './errors.js';

export interface CsvOptions {
  /** Header name of the column that holds the class label. */
  labelColumn: string;
  /** Name used in error messages (default: the path, or `<csv>` for text). */
  source?: string;
  /** Field separator, one character (default `,`). */
  delimiter?: string;
  /**
   * How to read labels. `auto` (default): integers 0..C-1 when every label is
   * an integer, otherwise strings. `string` forces names even for "0", "1".
   */
  labels?: 'auto' | 'integer' | 'string';
  /** Number of classes for integer labels (default max label + 1). */
  classes?: number;
  /** Columns to leave out (ids, free text). */
  ignoreColumns?: readonly string[];
}

/**
 * Reads a CSV file into a Dataset. `pathOrText` is CSV text when it contains a
 * line break, otherwise a file path (use `parseCsv` to be explicit).
 * String labels become classes in sorted (code point) order, with their names
 * in `classNames`; integer labels are used as they are.
 *
 * @example
 *   const ds = readCsv('x1,x2,species\n1.5,2,setosa\n0.5,1,virginica\n', { labelColumn: 'species' });
 *   ds.featureNames; // ['x1', 'x2']
 *   ds.classNames;   // ['setosa', 'virginica']
 *   Array.from(ds.y); // [0, 1]
 */
export function readCsv(pathOrText: string, options: CsvOptions): Dataset {
  if (/[\r\n]/.test(pathOrText)) return parseCsv(pathOrText, options);
  return parseCsv(readFileSync(pathOrText, 'utf8'), { ...options, source: options.source ?? pathOrText });
}

/**
 * Parses CSV text into a Dataset (see `readCsv`).
 *
 * @example
 *   parseCsv('a,label\n1,0\n2,1\n', { labelColumn: 'label', source: 'tiny.csv' }).count; // 2
 */
export function parseCsv(text: string, options: CsvOptions): Dataset {
  const source = options.source ?? '<csv>';
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new Error(`parseCsv: delimiter must be one character other than a quote or line break, got ${JSON.stringify(delimiter)}`);
  }
  const rows = parseRecords(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, delimiter, source);
  if (rows.length === 0) throw new DataError(source, 'is empty; expected a header row');
  const [header, ...body] = rows;
  const names = header.fields.map((f) => f.trim());

  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new DataError(source, `line ${header.line}: column name ${JSON.stringify(name)} appears twice in the header`);
    seen.add(name);
  }
  const labelIndex = names.indexOf(options.labelColumn);
  if (labelIndex < 0) {
    throw new DataError(
      source,
      `label column ${JSON.stringify(options.labelColumn)} not found; available columns: ${names.map((n) => JSON.stringify(n)).join(', ')}`,
    );
  }
  const ignored = new Set(options.ignoreColumns ?? []);
  for (const name of ignored) {
    if (!seen.has(name)) throw new DataError(source, `ignoreColumns names ${JSON.stringify(name)}, which is not in the header`);
  }
  const featureColumns = names.map((_, j) => j).filter((j) => j !== labelIndex && !ignored.has(names[j]));
  if (featureColumns.length === 0) throw new DataError(source, 'has no feature columns besides the label column');
  if (body.length === 0) throw new DataError(source, 'has a header but no data rows');

  const features = featureColumns.length;
  const x = new Float32Array(body.length * features);
  const rawLabels: string[] = [];
  body.forEach((row, i) => {
    if (row.fields.length !== names.length) {
      throw new DataError(source, `line ${row.line}: expected ${names.length} fields (as in the header) but found ${row.fields.length}`);
    }
    featureColumns.forEach((j, k) => {
      x[i * features + k] = parseNumber(row.fields[j], source, row.line, names[j]);
    });
    const label = row.fields[labelIndex].trim();
    if (label === '') throw new DataError(source, `line ${row.line}, column ${JSON.stringify(names[labelIndex])}: the label is empty`);
    rawLabels.push(label);
  });

  const { y, classes, classNames } = encodeLabels(rawLabels, body, options, source, names[labelIndex]);
  return {
    x,
    y,
    count: body.length,
    features,
    classes,
    ...(classNames ? { classNames } : {}),
    featureNames: featureColumns.map((j) => names[j]),
  };
}

interface CsvRecord {
  /** Physical line (1-based) where the record starts. */
  readonly line: number;
  readonly fields: string[];
}

/** Splits text into records of fields, honouring quotes; blank lines are dropped. */
function parseRecords(text: string, delimiter: string, source: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  // A record that is one empty (or all-space) unquoted field is a blank line; "" on its own line is not.
  let sawQuote = false;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0].trim() === '' && !sawQuote)) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    sawQuote = false;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '"' && field === '') {
      // Quoted field: runs to the next quote not doubled.
      sawQuote = true;
      const openLine = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new DataError(source, `line ${openLine}: quoted field is never closed`);
        const q = text[i];
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n' || (q === '\r' && text[i + 1] !== '\n')) line++;
        field += q;
        i++;
      }
      const next = text[i];
      if (i < text.length && next !== delimiter && next !== '\n' && next !== '\r') {
        throw new DataError(source, `line ${line}: unexpected ${JSON.stringify(next)} after a closing quote; expected ${JSON.stringify(delimiter)} or end of line`);
      }
      continue;
    }
    if (c === delimiter) {
      fields.push(field);
      field = '';
      i++;
    } else if (c === '\n' || c === '\r') {
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      endRecord();
      line++;
      recordLine = line;
    } else {
      if (c === '"') throw new DataError(source, `line ${line}: a quote inside an unquoted field; quote the whole field and double the quote ("")`);
      field += c;
      i++;
    }
  }
  if (field !== '' || fields.length > 0 || sawQuote) endRecord();
  return records;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(cell: string, source: string, line: number, column: string): number {
  const s = cell.trim();
  const where = `line ${line}, column ${JSON.stringify(column)}`;
  if (s === '') throw new DataError(source, `${where}: the cell is empty; expected a number`);
  // Number() alone would accept "0x1f", "Infinity" and "" (as 0).
  if (!NUMBER.test(s)) throw new DataError(source, `${where}: ${JSON.stringify(cell)} is not a number`);
  const v = Number(s);
  if (!Number.isFinite(v) || !Number.isFinite(Math.fround(v))) {
    throw new DataError(source, `${where}: ${JSON.stringify(cell)} is too large for float32`);
  }
  return v;
}

function encodeLabels(
  raw: readonly string[],
  rows: readonly CsvRecord[],
  options: CsvOptions,
  source: string,
  column: string,
): { y: Int32Array; classes: number; classNames?: string[] } {
  const mode = options.labels ?? 'auto';
  const allIntegers = raw.every((s) => /^[+-]?\d+$/.test(s));
  if (mode === 'integer' || (mode === 'auto' && allIntegers)) {
    const y = new Int32Array(raw.length);
    let max = 0;
    raw.forEach((s, i) => {
      const v = Number(s);
      if (!/^[+-]?\d+$/.test(s) || v < 0 || v > 0x7fffffff) {
        throw new DataError(source, `line ${rows[i].line}, column ${JSON.stringify(column)}: label ${JSON.stringify(s)} is not a class index (an integer >= 0)`);
      }
      y[i] = v;
      if (v > max) max = v;
    });
    const classes = options.classes ?? max + 1;
    const bad = y.findIndex((v) => v >= classes);
    if (bad >= 0) {
      throw new DataError(source, `line ${rows[bad].line}, column ${JSON.stringify(column)}: label ${y[bad]} is out of range; classes is ${classes} (0..${classes - 1})`);
    }
    return { y, classes };
  }
  // Code-point order, not localeCompare: the class indices must not depend on the machine's locale.
  const classNames = [...new Set(raw)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (options.classes !== undefined && options.classes !== classNames.length) {
    throw new DataError(source, `column ${JSON.stringify(column)} has ${classNames.length} distinct labels but classes is ${options.classes}`);
  }
  const index = new Map(classNames.map((name, k) => [name, k]));
  return { y: Int32Array.from(raw, (s) => index.get(s) as number), classes: classNames.length, classNames };
}
