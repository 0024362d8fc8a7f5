/**
 * Experiment files: one YAML or JSON file names the data, the model, the
 * training settings and (optionally) the search. `parseExperiment` checks the
 * whole file before any work starts and reports every problem at once, each
 * with the file, the field path and what was expected.
 *
 * @example  (examples/quickstart.yaml)
 *   name: quickstart
 *   data: { source: spirals, classes: 3, perClass: 300 }
 *   model: { hidden: [64, 64], batchNorm: true }
 *   train: { epochs: 20, optimizer: adam, learningRate: 0.01 }
 *   tune: { trials: 12, space: default, sampler: tpe, pruner: median }
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import YAML from 'yaml';
import { createLayer } from '../nn/build.js';
import type { LayerConfig } from '../nn/config.js';
import { DEFAULT_MAX_CONSECUTIVE_FAILURES } from '../tune/executor.js';
import { createPruner, PRUNER_CHOICES } from '../tune/pruners/index.js';
import { createSampler, SAMPLER_NAMES } from '../tune/samplers/index.js';
import { parseSpace, SpaceError, type SpaceSpec } from '../tune/space/declarative.js';
import { Fields } from './fields.js';
import { TUNABLE_NAMES } from './params.js';
import { ConfigError, describe, isObject, join, Problems } from './problems.js';
import { didYouMean } from '../util/suggest.js';
import { DEFAULT_SETTINGS, SETTINGS, settingsOf, type RunSettings } from './settings.js';
import { MEASURE_NAMES, MEASURES, parseConstraint, type ConstraintSpec, type Measure } from './measures.js';

export const DATA_SOURCES = ['spirals', 'blobs', 'circles', 'xor', 'fashion-mnist', 'idx', 'csv'] as const;
export type DataSource = (typeof DATA_SOURCES)[number];
export const METRICS = ['devAccuracy', 'devLoss'] as const;

/** The data settings that name files the experiment reads (paths resolved against the experiment file's folder). */
export const DATA_FILE_FIELDS = ['images', 'labels', 'testImages', 'testLabels', 'path', 'testPath'] as const;

export interface DataSettings {
  source: DataSource;
  /** Generated sets. */
  classes?: number;
  perClass?: number;
  features?: number;
  noise?: number;
  /** Fashion-MNIST: a folder holding its files; and a cap on training examples. */
  dir?: string;
  limit?: number;
  /** IDX files (absolute paths, resolved against the experiment file's folder). */
  images?: string;
  labels?: string;
  testImages?: string;
  testLabels?: string;
  /** CSV files and the label column. */
  path?: string;
  label?: string;
  testPath?: string;
  /** Dev set: a fraction of the training data or a count. */
  dev: number;
  /** Test set carved from the data when it has no separate test files. */
  test: number;
}

export interface TuneSettings {
  trials: number;
  /**
   * The dev metric a trial is judged by while it trains (its best epoch, the
   * ensembles of `caviar best`): `tune.metric`, or the first dev metric among
   * `tune.objectives` (devAccuracy when they name none).
   */
  metric: (typeof METRICS)[number];
  /** The direction of the first objective. */
  direction: 'maximize' | 'minimize';
  /**
   * What a trial returns, one direction each (measures.ts): `[metric]` for a
   * single-objective study; two or more make a multi-objective study whose
   * best trials are its Pareto front.
   */
  objectives: Measure[];
  directions: ('maximize' | 'minimize')[];
  /** Constraints every trial is checked against (`modelBytes <= 200000`); an infeasible trial is never best. */
  constraints: ConstraintSpec[];
  /** The search space; `null` means the built-in MLP space for the budget (params.ts). */
  space: SpaceSpec | null;
  sampler: { name: string; options: Record<string, unknown> };
  pruner: { name: string; options: Record<string, unknown> };
  workers: number;
  /** Where the study lives: a SQLite file path (default: `<output>/study.db`). */
  storage?: string;
  study?: string;
  timeoutMs?: number;
  /** Each trial saves a checkpoint to storage every this many epochs and at its end (0: only when a person asks). */
  checkpointEvery: number;
  /** How many scheduled checkpoints a trial keeps (a person's are always kept). */
  keepCheckpoints: number;
  /**
   * Which epoch's model a trial keeps and is scored by: 'best', the epoch with
   * the best dev metric (its weights kept in memory, restored at the end), or
   * 'last', the final epoch's. Population-based training always uses 'last'
   * (the next segment starts where this one ended).
   */
  epoch: 'best' | 'last';
  /** Stop the study after this many failed trials in a row (a space where every trial diverges would never reach its budget). */
  maxConsecutiveFailures: number;
  /** Population-based training instead of independent trials: `trials` is then population x generations. */
  pbt?: PbtSettings;
}

export interface PbtSettings {
  population: number;
  generations: number;
  /** Epochs per segment. */
  interval: number;
  quantile: number;
  resampleProbability: number;
}

export interface Experiment {
  /** The file it came from (for messages). */
  source: string;
  name: string;
  seed: number;
  data: DataSettings;
  settings: RunSettings;
  tune: TuneSettings | null;
  /** Folder for models and the study (resolved against the working directory). */
  output: string;
  /** The file's parsed contents, kept so a study can record the experiment it ran. */
  raw: unknown;
}

const TOP = ['name', 'seed', 'data', 'model', 'train', 'tune', 'output'];
const DATA_FIELDS: Record<DataSource, string[]> = {
  spirals: ['classes', 'perClass', 'noise'],
  blobs: ['classes', 'perClass', 'features', 'noise'],
  circles: ['perClass', 'noise'],
  xor: ['perClass', 'noise'],
  'fashion-mnist': ['dir', 'limit'],
  idx: ['images', 'labels', 'testImages', 'testLabels'],
  csv: ['path', 'label', 'testPath'],
};
/** The settings of a file's `model` section; the rest of `RunSettings` is its `train` section. */
export const MODEL_FIELDS: readonly string[] = ['hidden', 'layers', ...settingsOf('model')];
const TRAIN: readonly string[] = settingsOf('train');
const TUNE = ['trials', 'metric', 'objectives', 'constraints', 'space', 'sampler', 'pruner', 'workers', 'storage', 'study', 'timeout', 'checkpointEvery', 'keepCheckpoints', 'maxConsecutiveFailures', 'epoch', 'pbt'];
const PBT = ['population', 'generations', 'interval', 'quantile', 'resampleProbability'];

/**
 * The files an experiment reads (the file itself and its data), which no
 * command may write over.
 *
 * @example experimentInputs(readExperiment('exp.yaml')); // [{ path: 'exp.yaml', what: 'the experiment file' }, { path: '/data/iris.csv', what: "the experiment's data.path" }]
 */
export function experimentInputs(exp: Experiment): { path: string; what: string }[] {
  const files: { path: string; what: string }[] = exp.source === 'options' ? [] : [{ path: exp.source, what: 'the experiment file' }];
  for (const key of DATA_FILE_FIELDS) {
    const path = exp.data[key];
    if (path !== undefined) files.push({ path, what: `the experiment's data.${key}` });
  }
  return files;
}

/** Reads and checks an experiment file (.yaml, .yml or .json). Throws ConfigError listing every problem. */
export function readExperiment(path: string): Experiment {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(path, [code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder, not an experiment file' : `cannot read the file (${code ?? (err as Error).message})`]);
  }
  // A model, a study or an archive given by mistake: one line, not the YAML parser quoting its bytes.
  if (!isText(bytes)) throw new ConfigError(path, ['not a text (YAML or JSON) file; an experiment file is YAML or JSON, like examples/quickstart.yaml']);
  return parseExperiment(parseText(bytes.toString('utf8'), path), path);
}

/** UTF-8 without NUL bytes (which no YAML or JSON file holds and every binary format does). */
function isText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** YAML (a superset of JSON) with errors that carry the line and column. */
export function parseText(text: string, source: string): unknown {
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((e) => {
      const line = e.linePos?.[0];
      return `${line ? `line ${line.line}, column ${line.col}: ` : ''}${e.message.split('\n')[0]}`;
    }));
  }
  return doc.toJS();
}

/** Checks a parsed experiment; `source` is the file name used in messages and to resolve data paths. */
export function parseExperiment(raw: unknown, source: string): Experiment {
  const problems = new Problems();
  if (!isObject(raw)) throw new ConfigError(source, [`expected a mapping with ${TOP.join(', ')}, got ${describe(raw)}`]);
  const top = new Fields(problems, '', raw);
  top.known(TOP);
  const baseDir = dirname(resolve(source));
  const name = top.string('name') ?? defaultName(source);
  if (!/^[\w.-]+$/.test(name)) problems.add('name', `expected letters, digits, '.', '_' or '-' (it names files), got ${describe(name)}`);
  const seed = top.number('seed', { integer: true, min: 0 }) ?? 1;
  const data = top.required('data', `a mapping with source: ${DATA_SOURCES.join(' | ')}`) ? parseData(problems, raw.data, baseDir) : undefined;
  const settings = parseSettings(problems, raw.model, raw.train);
  const tune = raw.tune === undefined ? null : parseTune(problems, raw.tune, settings);
  const output = top.string('output') ?? `caviar-out/${name}`;
  problems.throwIfAny(source);
  return { source, name, seed, data: data!, settings, tune, output: resolve(output), raw };
}

function defaultName(source: string): string {
  const base = source.split(/[\\/]/).pop() ?? 'experiment';
  return base.replace(/\.(ya?ml|json)$/i, '') || 'experiment';
}

function parseData(problems: Problems, value: unknown, baseDir: string): DataSettings | undefined {
  const f = Fields.of(problems, 'data', value);
  if (!f) return undefined;
  const source = f.required('source', DATA_SOURCES.join(', ')) ? (f.string('source', DATA_SOURCES) as DataSource | undefined) : undefined;
  if (!source) return undefined;
  f.known(['source', 'dev', 'test', ...DATA_FIELDS[source]]);
  const path = (key: string) => {
    const v = f.string(key);
    return v === undefined ? undefined : resolve(baseDir, v);
  };
  const fraction = (key: string, fallback: number) => {
    const v = f.number(key, { min: 0 });
    if (v !== undefined && v >= 1 && !Number.isInteger(v)) problems.add(f.at(key), `expected a fraction in [0, 1) or a whole count, got ${v}`);
    return v ?? fallback;
  };
  const d: DataSettings = { source, dev: fraction('dev', source === 'fashion-mnist' ? 5000 : 0.15), test: fraction('test', 0.15) };
  const int = (key: 'classes' | 'perClass' | 'features' | 'limit', min: number) => {
    const v = f.number(key, { integer: true, min });
    if (v !== undefined) d[key] = v;
  };
  int('classes', 2);
  int('perClass', 2);
  int('features', 1);
  int('limit', 2);
  const noise = f.number('noise', { min: 0 });
  if (noise !== undefined) d.noise = noise;
  for (const key of ['dir', 'images', 'labels', 'testImages', 'testLabels', 'path', 'testPath'] as const) {
    const p = path(key);
    if (p !== undefined) d[key] = p;
  }
  const label = f.string('label');
  if (label !== undefined) d.label = label;
  if (source === 'idx') {
    f.required('images', 'the path of an IDX images file');
    f.required('labels', 'the path of an IDX labels file');
    if (f.has('testImages') !== f.has('testLabels')) problems.add('data', 'testImages and testLabels go together');
  }
  if (source === 'csv') {
    f.required('path', 'the path of a CSV file with a header row');
    f.required('label', 'the name of the label column');
  }
  return d;
}

function parseSettings(problems: Problems, modelValue: unknown, trainValue: unknown): RunSettings {
  const s: RunSettings = { ...DEFAULT_SETTINGS, hidden: [...DEFAULT_SETTINGS.hidden] };
  const m = Fields.of(problems, 'model', modelValue);
  if (m) {
    m.known(MODEL_FIELDS);
    if (m.has('hidden')) {
      const h = m.obj.hidden;
      if (!Array.isArray(h)) problems.add('model.hidden', `expected a list of layer widths like [256, 128], got ${describe(h)}`);
      else {
        s.hidden = [];
        h.forEach((v, i) => {
          if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) problems.add(`model.hidden[${i}]`, `expected a positive integer, got ${describe(v)}`);
          else s.hidden.push(v);
        });
      }
    }
    readSettings(m, 'model', s);
    if (m.has('layers')) {
      if (m.has('hidden')) problems.add('model', "give either 'hidden' (an MLP) or 'layers' (a full layer list), not both");
      const layers = m.obj.layers;
      if (!Array.isArray(layers) || layers.length === 0) problems.add('model.layers', `expected a non-empty list of layers, got ${describe(layers)}`);
      else {
        layers.forEach((l, i) => {
          try {
            if (!isObject(l)) throw new Error(`expected a layer like { type: dense, units: 64 }, got ${describe(l)}`);
            createLayer(l as unknown as LayerConfig, 'layer');
          } catch (err) {
            problems.add(`model.layers[${i}]`, (err as Error).message.replace(/^layer: /, ''));
          }
        });
        s.layers = layers as LayerConfig[];
      }
    }
  }
  const t = Fields.of(problems, 'train', trainValue);
  if (t) {
    t.known(TRAIN);
    readSettings(t, 'train', s);
    // SGD and momentum start from a larger default rate than Adam's and RMSprop's.
    if (!t.has('learningRate') && t.has('optimizer') && s.optimizer !== 'adam' && s.optimizer !== 'rmsprop') s.learningRate = 0.01;
  }
  return s;
}

/** The one-value settings of a section (settings.ts), each checked by its rule, into `s`. */
function readSettings(f: Fields, section: 'model' | 'train', s: RunSettings): void {
  for (const name of settingsOf(section)) {
    const value = f.value(name, SETTINGS[name].value);
    if (value !== undefined) (s as unknown as Record<string, unknown>)[name] = value;
  }
}

/**
 * The pruner of a study whose experiment names none. Several objectives:
 * dominance (it compares vectors, not one value). A timed study
 * (`tune.timeout` or `--timeout`): successive halving, whose ensembles (what
 * `caviar best` exports by default) tested above the median pruner's on every
 * seed of the ten-minute Fashion-MNIST protocol, its best single trial level
 * (docs/BENCHMARKS.md, "Which pruner for a timed study"). Otherwise median.
 */
export function defaultPruner(objectives: number, timed: boolean): string {
  return objectives > 1 ? 'dominance' : timed ? 'successive-halving' : 'median';
}

function parseTune(problems: Problems, value: unknown, settings: RunSettings): TuneSettings | null {
  const f = Fields.of(problems, 'tune', value);
  if (!f) return null;
  f.known(TUNE);
  const named = f.string('metric', METRICS) as TuneSettings['metric'] | undefined;
  const objectives = parseObjectives(problems, f, named);
  const metric = named ?? (objectives.find((o) => (METRICS as readonly string[]).includes(o)) as TuneSettings['metric'] | undefined) ?? 'devAccuracy';
  const directions = objectives.map((o) => MEASURES[o]);
  const tune: TuneSettings = {
    trials: f.number('trials', { integer: true, min: 1 }) ?? 20,
    metric,
    direction: directions[0],
    objectives,
    directions,
    constraints: parseConstraints(problems, f),
    space: null,
    // auto: GP for small all-numeric spaces (the course's default space), TPE otherwise; it matched or beat TPE on every function of bench/tuner-efficiency.ts (docs/BENCHMARKS.md).
    sampler: namedChoice(problems, f, 'sampler', 'auto', SAMPLER_NAMES, (name, options) => createSampler(name, options, 0)),
    pruner: namedChoice(problems, f, 'pruner', defaultPruner(objectives.length, f.has('timeout')), PRUNER_CHOICES, (name, options) => {
      if (name !== 'none') createPruner(name, options);
    }),
    workers: f.number('workers', { integer: true, min: 1 }) ?? 1,
    checkpointEvery: f.number('checkpointEvery', { integer: true, min: 0 }) ?? 0,
    keepCheckpoints: f.number('keepCheckpoints', { integer: true, min: 1 }) ?? 2,
    maxConsecutiveFailures: f.number('maxConsecutiveFailures', { integer: true, min: 1 }) ?? DEFAULT_MAX_CONSECUTIVE_FAILURES,
    epoch: (f.string('epoch', ['best', 'last']) as 'best' | 'last' | undefined) ?? 'best',
  };
  if (objectives.length > 1 && !['dominance', 'none', 'nop'].includes(tune.pruner.name)) {
    problems.add('tune.pruner', `${tune.pruner.name} compares one value, and this study has ${objectives.length} objectives: use dominance (the default here) or none`);
  }
  const pbt = parsePbt(problems, f.obj.pbt);
  if (pbt && objectives.length > 1) problems.add('tune.pbt', `population-based training ranks members by one value; with ${objectives.length} objectives, leave pbt out`);
  if (pbt) {
    tune.pbt = pbt;
    const total = pbt.population * pbt.generations;
    if (f.has('trials') && tune.trials !== total) {
      problems.add('tune.trials', `with pbt, the trials are population x generations = ${total}; leave trials out or make it ${total}`);
    }
    tune.trials = total;
    if (f.has('pruner') && tune.pruner.name !== 'none') problems.add('tune.pruner', 'population-based training replaces pruning (its bottom members copy better ones); use pruner: none');
    tune.pruner = { name: 'none', options: {} };
    if (f.has('epoch') && tune.epoch === 'best') problems.add('tune.epoch', "population-based training keeps each segment's last epoch (the next segment starts from it); leave epoch out or make it last");
    tune.epoch = 'last';
  }
  const storage = f.string('storage');
  if (storage !== undefined) tune.storage = storage;
  const study = f.string('study');
  if (study !== undefined) tune.study = study;
  if (f.has('timeout')) {
    const ms = parseDuration(f.obj.timeout);
    if (ms === undefined) problems.add('tune.timeout', `expected a duration like 90s, 10m or 2h, got ${describe(f.obj.timeout)}`);
    else tune.timeoutMs = ms;
  }
  const space = f.obj.space;
  if (space !== undefined && space !== 'default') {
    if (!isObject(space)) problems.add('tune.space', `expected 'default' (the course's priorities) or a mapping of parameters, got ${describe(space)}`);
    else {
      try {
        parseSpace(space, 'tune.space');
        tune.space = space as SpaceSpec;
      } catch (err) {
        if (err instanceof SpaceError) for (const p of err.problems) problems.add('', p.startsWith('tune.space') ? p : join('tune.space', p));
        else problems.add('tune.space', (err as Error).message);
      }
      for (const name of Object.keys(space)) {
        if (!TUNABLE_NAMES.includes(name)) {
          problems.add(join('tune.space', name), `not a setting caviar can tune${didYouMean(name, TUNABLE_NAMES)}; expected one of ${TUNABLE_NAMES.join(', ')}`);
        }
      }
    }
  }
  if (settings.layers && tune.space) {
    for (const name of ['hiddenUnits', 'layers', 'batchNorm', 'activation', 'dropout']) {
      if (name in tune.space) problems.add(join('tune.space', name), "tunes the MLP shorthand; it cannot change an explicit 'model.layers' list");
    }
  }
  return tune;
}

function parsePbt(problems: Problems, value: unknown): PbtSettings | undefined {
  if (value === undefined) return undefined;
  const f = Fields.of(problems, 'tune.pbt', value);
  if (!f) return undefined;
  f.known(PBT);
  const pbt: PbtSettings = {
    population: f.number('population', { integer: true, min: 2 }) ?? 8,
    generations: f.number('generations', { integer: true, min: 1 }) ?? 4,
    interval: f.number('interval', { integer: true, min: 1 }) ?? 2,
    quantile: f.number('quantile', { min: 0.01, max: 0.5 }) ?? 0.25,
    resampleProbability: f.number('resampleProbability', { min: 0, max: 1 }) ?? 0.25,
  };
  return pbt;
}

function namedChoice(
  problems: Problems,
  f: Fields,
  key: string,
  fallback: string,
  names: readonly string[],
  check: (name: string, options: Record<string, unknown>) => void,
): { name: string; options: Record<string, unknown> } {
  const v = f.obj[key];
  let name = fallback;
  let options: Record<string, unknown> = {};
  if (typeof v === 'string') name = v;
  else if (isObject(v)) {
    const { type, ...rest } = v;
    if (typeof type !== 'string') {
      problems.add(f.at(`${key}.type`), `missing; expected one of ${names.join(', ')}`);
      return { name, options };
    }
    name = type;
    options = rest;
  } else if (v !== undefined) {
    problems.add(f.at(key), `expected one of ${names.join(', ')} or { type: ..., options }, got ${describe(v)}`);
    return { name, options };
  }
  if (!names.includes(name)) {
    problems.add(f.at(key), `unknown ${key} '${name}'${didYouMean(name, names)}; expected one of ${names.join(', ')}`);
    return { name, options };
  }
  try {
    check(name, options);
  } catch (err) {
    problems.add(f.at(key), (err as Error).message);
  }
  return { name, options };
}

/** '90s', '10m', '2h', '1h30m' or a number of seconds; undefined when unreadable. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return v > 0 && Number.isFinite(v) ? v * 1000 : undefined;
  if (typeof v !== 'string') return undefined;
  const re = /(\d+(?:\.\d+)?)\s*(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  for (let m = re.exec(v.trim()); m; m = re.exec(v.trim())) {
    total += Number(m[1]) * units[m[2]];
    matched = re.lastIndex;
  }
  return matched === v.trim().length && total > 0 ? total : undefined;
}

/**
 * `tune.objectives`: measures (measures.ts), each at most once; absent, the
 * one objective is `tune.metric`. The two cannot both be given.
 */
function parseObjectives(problems: Problems, f: Fields, metric: TuneSettings['metric'] | undefined): Measure[] {
  const raw = f.obj.objectives;
  if (raw === undefined) return [metric ?? 'devAccuracy'];
  if (metric !== undefined) problems.add('tune.metric', "give tune.metric or tune.objectives, not both (objectives: [devAccuracy, inferenceMs] scores by both)");
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || list.length === 0) {
    problems.add('tune.objectives', `expected a list of measures such as [devAccuracy, inferenceMs], got ${describe(raw)}`);
    return [metric ?? 'devAccuracy'];
  }
  const out: Measure[] = [];
  list.forEach((name, i) => {
    const at = `tune.objectives[${i}]`;
    if (typeof name !== 'string' || !(name in MEASURES)) {
      problems.add(at, `${describe(name)} is not a measure${typeof name === 'string' ? didYouMean(name, MEASURE_NAMES) : ''}; expected one of ${MEASURE_NAMES.join(', ')}`);
    } else if (out.includes(name as Measure)) problems.add(at, `${name} is already an objective`);
    else out.push(name as Measure);
  });
  return out.length > 0 ? out : ['devAccuracy'];
}

/** `tune.constraints`: a list of 'MEASURE <= NUMBER' or 'MEASURE >= NUMBER' (or one such string). */
function parseConstraints(problems: Problems, f: Fields): ConstraintSpec[] {
  const raw = f.obj.constraints;
  if (raw === undefined) return [];
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list)) {
    problems.add('tune.constraints', `expected a list such as ['modelBytes <= 200000', 'inferenceMs <= 2'], got ${describe(raw)}`);
    return [];
  }
  const out: ConstraintSpec[] = [];
  list.forEach((text, i) => {
    const c = parseConstraint(text);
    if (typeof c === 'string') problems.add(`tune.constraints[${i}]`, c);
    else out.push(c);
  });
  return out;
}
