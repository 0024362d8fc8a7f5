/**
 * `caviar zoom STUDY`: one coarse-to-fine step by hand, as the course draws
 * it. Take the best trials of a finished study, narrow every range of its
 * space around them, and start a child study in that narrower space, linked
 * to its parent:
 *
 *   1. rank the complete trials (tune/rank.ts); keep the top fraction
 *      (default 0.2, at least 2);
 *   2. narrow each parameter around them by the rule the coarse-to-fine
 *      sampler follows too (tune/space/narrow.ts): the hull of their values
 *      on the parameter's scale (log10 for log scales, log10(1 - beta) for
 *      oneMinusBeta), padded by 10% of the parent's range on each side and
 *      clipped to it; the choices they used; then each end rounded outward
 *      to a value a person reads (three digits, the parent's step);
 *   3. write `<output>/<child>.yaml` (the parent's experiment with that space)
 *      and create the child study, its `parent` user attribute naming the
 *      parent study and the trials it came from.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { defaultSpace } from '../experiment/params.js';
import { parseExperiment, type Experiment } from '../experiment/spec.js';
import { parseSpace, type ParamSpec, type SpaceSpec } from '../tune/space/declarative.js';
import { narrowParam } from '../tune/space/narrow.js';
import { unscale, type InternalRange, type NumericDistribution } from '../tune/space/scale.js';
import { rankTrials } from '../tune/rank.js';
import { isFeasible } from '../tune/multi/constraints.js';
import { paretoFront } from '../tune/multi/pareto.js';
import { openStorage } from '../tune/storage/open.js';
import { createStudy, type Study } from '../tune/study.js';
import type { Direction, Distribution, FrozenTrial, ParamValue } from '../tune/types.js';
import { formatParam, table } from './format.js';
import { writeFileAtomically } from '../util/atomic-write.js';
import { checkOutputFile } from '../io/output-file.js';
import { UsageError, type Output } from './output.js';
import { findStudy, storageFile } from './study-files.js';
import { redactUrl, withoutPassword } from '../util/redact.js';
import { tuneCommand } from './tune.js';
import { parseCommand } from './args.js';
import { command, helpText } from './command.js';

export const zoomSpec = command({
  name: 'zoom',
  summary: 'a coarse-to-fine step: a child study in a narrower space around the best trials',
  usage: 'STUDY [options]',
  about: `A coarse-to-fine step on a finished study: takes its best trials, narrows
every range of its search space around them (on each parameter's own scale:
a learning rate in log10, a beta in log10(1 - beta)), and writes a child
experiment <output>/<child>.yaml in that space, with a child study linked to
its parent in the same study file. Continue with 'caviar tune <child file>'.`,
  options: {
    top: { type: 'string', value: 'FRACTION', doc: 'the share of complete trials to zoom around (default 0.2, at least 2 trials)' },
    name: { type: 'string', value: 'CHILD', doc: "the child's name (default <parent>-zoom1, then -zoom2, ...)" },
    trials: { type: 'string', value: 'N', doc: "also run the child's tuning now, up to N complete trials" },
    force: { type: 'boolean', doc: 'replace <output>/<child>.yaml even when caviar zoom did not write it' },
    storage: {
      type: 'string', value: 'PATH|URL',
      doc: 'the SQLite study file or postgres://user@host/db; the child study goes there too (default: every caviar-out/*/study.db). ' +
        'The child file records a URL without its password: give it by PGPASSWORD or ~/.pgpass',
    },
  },
  exits: '0 the child experiment and study written (and, with --trials, tuned as caviar tune does); 1 fewer than 2 complete trials to zoom around; ' +
    '2 bad usage, no such study, a child name already taken, or the child file refused',
  examples: ['caviar zoom quickstart --top 0.25 --trials 12'],
});

const zoomHelp = helpText(zoomSpec);

/** Padding on each side of the top trials' hull, as a fraction of the parent's range (narrow.ts). */
const MARGIN = 0.1;

export async function zoomCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, zoomSpec);
  if (values.help) {
    out.text(zoomHelp);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one STUDY name, got ${positionals.length}: caviar zoom ${zoomSpec.usage}`);
  const fraction = values.top === undefined ? 0.2 : Number(values.top);
  if (!(fraction > 0 && fraction <= 1)) throw new UsageError(`--top: expected a fraction in (0, 1], got '${values.top}'`);
  const trialsFlag = values.trials === undefined ? undefined : Number(values.trials);
  if (trialsFlag !== undefined && !(Number.isInteger(trialsFlag) && trialsFlag >= 1)) throw new UsageError(`--trials: expected a positive integer, got '${values.trials}'`);
  if (values.name !== undefined && !/^[\w.-]+$/.test(values.name)) {
    throw new UsageError(`--name: expected letters, digits, '.', '_' or '-' (it names a file), got '${values.name}'`);
  }

  const { study, file } = await findStudy(positionals[0], values.storage);
  let child: { name: string; file: string; storage: string };
  try {
    child = await zoom(study, file, fraction, values.name, Boolean(values.force), out);
  } finally {
    await study.close();
  }
  if (trialsFlag === undefined) return 0;
  // The child file's URL has no password; this run still has it.
  return tuneCommand([child.file, '--trials', String(trialsFlag), ...(storageFile(child.storage) === undefined ? ['--storage', child.storage] : [])], out);
}

async function zoom(study: Study, file: string, fraction: number, name: string | undefined, force: boolean, out: Output) {
  const exp = recordedExperiment(study, file);
  // Several objectives: the top trials are the Pareto front (the trade-offs worth refining), not a ranking.
  const multi = study.isMultiObjective;
  const complete = multi ? study.trials(['complete']).filter((t) => t.values !== undefined && isFeasible(t)) : rankTrials(study.trials(['complete']), study.direction);
  if (complete.length < 2) {
    throw new Error(`study '${study.name}' has ${complete.length} ${multi ? 'feasible ' : ''}complete trial${complete.length === 1 ? '' : 's'}; zooming needs at least 2 ('caviar tune' runs more)`);
  }
  const top = multi ? frontLayers(complete, study.directions) : complete.slice(0, Math.max(2, Math.ceil(fraction * complete.length)));

  const parentSpace = spaceOf(exp, complete);
  const narrowed = narrowSpace(parentSpace, top);

  // A database stays a URL (its password only in memory); a study file becomes absolute, as the child file lives elsewhere.
  const studyFile = storageFile(file);
  const storage = studyFile === undefined ? file : resolve(studyFile);
  const recorded = withoutPassword(storage);
  const childName = name ?? (await freeZoomName(study.name, file));
  if (name !== undefined && (await studyNames(file)).includes(name)) {
    throw new UsageError(`--name: a study named '${name}' already exists in ${redactUrl(file)}; choose another name`);
  }
  const childFile = join(exp.output, `${childName}.yaml`);
  const raw = childExperiment(exp, childName, narrowed, recorded);
  parseExperiment(raw, childFile); // the child must be a valid experiment before anything is written
  checkOutputFile(childFile, { flag: 'the child experiment (--name CHILD)', kind: 'zoom experiment', force, studies: [studyFile], inputs: [{ path: exp.source, what: "the parent's experiment file" }] });

  const parentLink = { study: study.name, storage: recorded, trials: top.map((t) => t.number), topFraction: fraction, fromTrials: complete.length };
  const header = [
    `# caviar zoom: a coarse-to-fine step from study '${study.name}' in ${redactUrl(storage)}`,
    `# The space is narrowed around its ${multi ? 'Pareto front,' : 'top'} ${top.length} of ${complete.length} complete trials: ${top.map((t) => t.number).join(', ')}`,
    `# (their hull on each parameter's scale, padded by ${MARGIN * 100}% of the parent's range and clipped to it).`,
    `# Continue with: caviar tune ${childFile}`,
  ].join('\n');
  writeFileAtomically(childFile, `${header}\n${YAML.stringify(raw)}`);
  try {
    const created = await createStudy({
      name: childName, storage, ...(multi ? { directions: study.directions } : { direction: study.direction }), loadIfExists: false,
      userAttrs: { parent: parentLink }, data: { experiment: raw, source: childFile },
    });
    await created.close();
  } catch (err) {
    rmSync(childFile, { force: true });
    throw err;
  }

  const ranges: Record<string, { parent: string; child: string }> = {};
  for (const key of Object.keys(parentSpace)) ranges[key] = { parent: rangeText(parentSpace[key]), child: rangeText(narrowed[key]) };
  out.event('zoom', {
    parent: study.name, child: childName, file: childFile, storage: redactUrl(storage), trials: parentLink.trials, fromTrials: complete.length,
    space: narrowed, ranges,
  }, [
    `Zoomed '${study.name}' around its ${multi ? 'Pareto front,' : 'top'} ${top.length} of ${complete.length} complete trials (${top.map((t) => t.number).join(', ')})`,
    '',
    table(['parameter', 'scale', 'parent', 'child'], Object.keys(parentSpace).map((k) => [k, scaleOf(parentSpace[k]), ranges[k].parent, ranges[k].child])),
    '',
    `Child study '${childName}' created in ${redactUrl(storage)}`,
    `Child experiment written to ${childFile}`,
    `Continue with: caviar tune ${childFile}`,
  ].join('\n'));
  return { name: childName, file: childFile, storage };
}

/** The experiment `caviar tune` recorded with the study. */
function recordedExperiment(study: Study, file: string): Experiment {
  const data = study.data as { experiment?: unknown; source?: unknown } | undefined;
  if (!data || data.experiment === undefined || typeof data.source !== 'string') {
    throw new Error(`study '${study.name}' in ${redactUrl(file)} recorded no experiment (it was not made by 'caviar tune'), so there is no space to zoom`);
  }
  let exp = parseExperiment(data.experiment, data.source);
  if (!exp.tune) exp = parseExperiment({ ...(data.experiment as object), tune: {} }, data.source);
  return exp;
}

/**
 * The parent's space as written: the experiment's own, or the built-in one
 * materialized for its budget; plus any parameter its trials used that the
 * file does not name (a study resumed with a larger budget widens the
 * built-in space), taken from the trials' distributions.
 */
function spaceOf(exp: Experiment, trials: readonly FrozenTrial[]): Record<string, ParamSpec> {
  const space: Record<string, ParamSpec> = { ...(exp.tune!.space ?? defaultSpace(exp.tune!.trials, exp.settings)) };
  for (const t of trials) {
    for (const [key, d] of Object.entries(t.distributions)) if (!(key in space)) space[key] = specOf(d);
  }
  return space;
}

function specOf(d: Distribution): ParamSpec {
  if (d.type === 'categorical') return { type: 'categorical', choices: [...d.choices] };
  if (d.type === 'int') return { type: 'int', low: d.low, high: d.high, step: d.step, scale: d.scale };
  return d.step === undefined ? { type: 'float', low: d.low, high: d.high, scale: d.scale } : { type: 'float', low: d.low, high: d.high, scale: d.scale, step: d.step };
}

/**
 * Every parameter narrowed around the top trials' values (narrow.ts); one
 * that no top trial used (a condition left it out) keeps its range.
 *
 * @example
 *   narrowSpace({ lr: { type: 'float', low: 1e-4, high: 1, scale: 'log' } }, topTrials);
 *   // { lr: { type: 'float', low: 0.00119, high: 0.0754, scale: 'log' } } for top trials at lr 0.003 and 0.03
 */
export function narrowSpace(space: SpaceSpec, top: readonly FrozenTrial[]): Record<string, ParamSpec> {
  const parsed = new Map(parseSpace(space, 'tune.space').params.map((p) => [p.name, p.distribution]));
  const out: Record<string, ParamSpec> = {};
  for (const [key, spec] of Object.entries(space)) {
    const d = parsed.get(key)!;
    const values = top.filter((t) => key in t.params).map((t) => t.params[key]);
    if (values.length === 0) {
      out[key] = spec;
    } else if (d.type === 'categorical') {
      const { choices } = narrowParam(d, values, { margin: MARGIN });
      out[key] = Array.isArray(spec) ? choices : ({ ...(spec as object), choices } as unknown as ParamSpec);
    } else {
      out[key] = { ...(spec as object), ...readableRange(d, narrowParam(d, values, { margin: MARGIN }).internal) } as unknown as ParamSpec;
    }
  }
  return out;
}

/** An internal interval back in user values, each end rounded outward to a readable value on the parent's grid. */
function readableRange(d: NumericDistribution, internal: InternalRange): { low: number; high: number } {
  const a = unscale(d, internal.low);
  const b = unscale(d, internal.high);
  let low = Math.min(a, b);
  let high = Math.max(a, b);
  const step = d.step;
  if (step !== undefined) {
    // On the parent's grid, so that every value stays one the parent could draw.
    low = d.low + Math.ceil((low - d.low) / step - 1e-9) * step;
    high = d.low + Math.floor((high - d.low) / step + 1e-9) * step;
    if (d.type === 'float') [low, high] = [Number(low.toPrecision(14)), Number(high.toPrecision(14))];
  } else if (d.type === 'int') {
    low = Math.ceil(low - 1e-9);
    high = Math.floor(high + 1e-9);
  } else if (d.scale === 'oneMinusBeta') {
    // Round 1 - beta, the quantity the scale is about: 0.99237 -> 0.992 or 0.993 outward.
    low = Number((1 - roundOut(1 - low, 'up')).toPrecision(12));
    high = Number((1 - roundOut(1 - high, 'down')).toPrecision(12));
  } else {
    low = roundOut(low, 'down');
    high = roundOut(high, 'up');
  }
  return { low: Math.max(d.low, low), high: Math.min(d.high, high) };
}

/** Three significant digits, rounded away from the inside of the range: 0.012345 down is 0.0123. */
function roundOut(v: number, direction: 'down' | 'up'): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const unit = 10 ** (Math.floor(Math.log10(Math.abs(v))) - 2);
  const k = direction === 'down' ? Math.floor(v / unit) : Math.ceil(v / unit);
  return Number((k * unit).toPrecision(3));
}

/**
 * The child experiment: the parent's, with the narrowed space, its own name,
 * study and output folder (so its trial models never overwrite the parent's),
 * the parent's study file, and data paths made absolute (the file now lives
 * in another folder).
 */
function childExperiment(exp: Experiment, name: string, space: Record<string, ParamSpec>, storage: string): Record<string, unknown> {
  const raw = structuredClone(exp.raw) as Record<string, unknown>;
  const data = { ...(raw.data as Record<string, unknown>) };
  for (const key of ['dir', 'images', 'labels', 'testImages', 'testLabels', 'path', 'testPath'] as const) {
    if (data[key] !== undefined && exp.data[key] !== undefined) data[key] = exp.data[key];
  }
  const tune = { ...((raw.tune as Record<string, unknown> | undefined) ?? {}), space, study: name, storage };
  return { ...raw, name, output: join(exp.output, name), data, tune };
}

async function studyNames(file: string): Promise<string[]> {
  const { storage } = await openStorage(file, { mustExist: true });
  try {
    return (await storage.listStudies()).map((r) => r.name);
  } finally {
    await storage.close();
  }
}

/** `<base>-zoomK` with K one more than the parent's own (quickstart-zoom1 -> quickstart-zoom2), and free in the file. */
async function freeZoomName(parent: string, file: string): Promise<string> {
  const match = /^(.*)-zoom(\d+)$/.exec(parent);
  const base = match ? match[1] : parent;
  const names = new Set(await studyNames(file));
  let k = match ? Number(match[2]) + 1 : 1;
  while (names.has(`${base}-zoom${k}`)) k++;
  return `${base}-zoom${k}`;
}

function rangeText(spec: ParamSpec): string {
  if (Array.isArray(spec)) return `{${spec.map(formatParam).join(', ')}}`;
  const s = spec as Exclude<ParamSpec, readonly ParamValue[]>;
  return s.type === 'categorical' ? `{${s.choices.map(formatParam).join(', ')}}` : `${formatParam(s.low)}..${formatParam(s.high)}`;
}

function scaleOf(spec: ParamSpec): string {
  if (Array.isArray(spec)) return 'choice';
  const s = spec as Exclude<ParamSpec, readonly ParamValue[]>;
  return s.type === 'categorical' ? 'choice' : `${s.type} ${s.scale ?? 'linear'}`;
}

/**
 * The Pareto front, and while it has fewer than two trials the next front
 * of what is left (non-dominated sorting): a hull needs two points.
 */
function frontLayers<T extends FrozenTrial>(complete: readonly T[], directions: readonly Direction[]): T[] {
  const top: T[] = [];
  let left = [...complete];
  while (top.length < 2 && left.length > 0) {
    const layer = paretoFront(left, directions);
    top.push(...layer);
    const taken = new Set<FrozenTrial>(layer);
    left = left.filter((t) => !taken.has(t));
  }
  return top.sort((a, b) => a.number - b.number);
}
