/**
 * `caviar studies` and `caviar show STUDY`: what the study files hold. With
 * no `--storage`, they look in every `caviar-out/<experiment>/study.db`, where
 * `caviar tune` keeps its studies.
 */
import { integerFlag, parseCommand } from './args.js';
import { command, helpText } from './command.js';
import { parameterImportance } from '../tune/importance/importance.js';
import { coarseToFineRegions } from '../tune/samplers/coarse-to-fine.js';
import { rankTrials } from '../tune/rank.js';
import { loadStudy, type Study } from '../tune/study.js';
import { findStudy, openExisting, studyFiles } from './study-files.js';
import type { FrozenTrial } from '../tune/types.js';
import { formatParam, regionLines, table } from './format.js';
import { UsageError, type Output } from './output.js';
import { isFeasible } from '../tune/multi/constraints.js';
import { formatValue, frontSummary, frontTable, objectiveNames } from './front.js';
import { redactUrl } from '../util/redact.js';

const STORAGE_DOC = 'a SQLite study file, or a PostgreSQL database postgres://user@host/db[?schema=NAME] (default: every caviar-out/*/study.db, where caviar tune keeps its studies)';

export const studiesSpec = command({
  name: 'studies',
  summary: 'list the studies in caviar-out/ (or a study file or database)',
  usage: '[options]',
  about: `Lists the studies of a SQLite study file or a PostgreSQL database with their
trial counts (complete, pruned, failed, running), best value and last
activity.`,
  options: {
    storage: { type: 'string', value: 'PATH|URL', doc: STORAGE_DOC },
  },
  exits: '0 listed (also when there is no study yet); 2 bad usage, or a storage that is missing, damaged, unreachable or not a study file',
  examples: ['caviar studies', 'caviar studies --storage caviar-out/quickstart/study.db'],
});

export const showSpec = command({
  name: 'show',
  summary: 'a study: best trial, top trials, parameter importance, regions',
  usage: 'STUDY [options]',
  about: `Shows a study: its best trial, the top trials, parameter importance (fANOVA,
on each parameter's own scale) and, for coarse-to-fine searches, the regions
it zoomed into.`,
  options: {
    storage: { type: 'string', value: 'PATH|URL', doc: STORAGE_DOC },
    top: { type: 'string', value: 'N', doc: 'how many of the best trials to list (default 10)' },
  },
  exits: '0 shown (also for a study with no complete trial yet); 2 bad usage, no such study, or a storage that is missing, damaged or unreachable',
  examples: ['caviar show quickstart --top 5'],
});

const studiesHelp = helpText(studiesSpec);
const showHelp = helpText(showSpec);

export async function studiesCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, studiesSpec);
  if (values.help) {
    out.text(studiesHelp);
    return 0;
  }
  if (positionals.length) throw new UsageError(`takes no arguments, got '${positionals[0]}': caviar studies ${studiesSpec.usage}`);
  const rows: string[][] = [];
  for (const file of studyFiles(values.storage)) {
    const storage = await openExisting(file);
    try {
      for (const record of await storage.listStudies()) {
        const study = await loadStudy({ name: record.name, storage: file });
        try {
          const trials = study.trials();
          const count = (s: string) => trials.filter((t) => t.state === s).length;
          const complete = count('complete');
          const last = Math.max(record.createdAt, ...trials.map((t) => t.completedAt ?? t.startedAt ?? 0));
          const multi = study.isMultiObjective;
          const best = complete > 0 && !multi ? study.bestTrials[0]?.value : undefined;
          const front = multi ? study.bestTrials.length : undefined;
          out.event('study', {
            name: record.name, storage: redactUrl(file), direction: record.direction, ...(multi ? { directions: record.directions, front } : {}),
            complete, pruned: count('pruned'), failed: count('failed'), running: count('running'), best: best ?? null, lastActivity: new Date(last).toISOString(),
          }, '');
          rows.push([record.name, multi ? record.directions.join('/') : record.direction, String(complete), String(count('pruned')), String(count('failed')), String(count('running')),
            front !== undefined ? `front ${front}` : best === undefined ? '-' : best.toFixed(4), new Date(last).toISOString().replace('T', ' ').slice(0, 19), redactUrl(file)]);
        } finally {
          await study.close();
        }
      }
    } finally {
      await storage.close();
    }
  }
  if (rows.length === 0) {
    out.text(values.storage ? `no studies in ${redactUrl(values.storage)}` : 'no studies yet (caviar tune EXPERIMENT creates one in caviar-out/)');
    return 0;
  }
  out.text(table(['study', 'direction', 'complete', 'pruned', 'failed', 'running', 'best', 'last activity', 'file'], rows));
  return 0;
}

export async function showCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, showSpec);
  if (values.help) {
    out.text(showHelp);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one STUDY name, got ${positionals.length}: caviar show ${showSpec.usage}`);
  const top = integerFlag('--top', values.top, 1) ?? 10;
  const { study, file } = await findStudy(positionals[0], values.storage);
  try {
    return show(study, file, top, out);
  } finally {
    await study.close();
  }
}

function show(study: Study, file: string, top: number, out: Output): number {
  const trials = study.trials();
  const complete = trials.filter((t) => t.state === 'complete');
  const count = (s: string) => trials.filter((t) => t.state === s).length;
  if (study.isMultiObjective) return showFront(study, file, top, out);
  const lines = [`Study '${study.name}' in ${redactUrl(file)}: ${study.direction}, ${complete.length} complete, ${count('pruned')} pruned, ${count('failed')} failed, ${count('running')} running`];
  if (complete.length === 0) {
    out.event('show', { study: study.name, complete: 0 }, lines.join('\n'));
    return 0;
  }
  const ranked = rankTrials(complete, study.direction);
  const best = ranked[0];
  const names = [...new Set(ranked.flatMap((t) => Object.keys(t.params)))];
  lines.push('', `Best trial ${best.number}: value ${best.value!.toFixed(4)}${testText(best)}`);
  for (const [k, v] of Object.entries(best.params)) lines.push(`  ${k} = ${v}`);
  if (best.userAttrs.model) lines.push(`  model: ${String(best.userAttrs.model)}`);
  lines.push('', `Top ${Math.min(top, ranked.length)} trials:`);
  lines.push(table(['trial', 'value', 'epoch', 'test acc', ...names], ranked.slice(0, top).map((t) => [
    String(t.number), t.value!.toFixed(4), typeof t.userAttrs.bestEpoch === 'number' ? String(t.userAttrs.bestEpoch) : '-',
    t.userAttrs.testAccuracy === undefined ? '-' : Number(t.userAttrs.testAccuracy).toFixed(4),
    ...names.map((n) => (t.params[n] === undefined ? '-' : formatParam(t.params[n]))),
  ])));
  let importance: Array<{ name: string; importance: number }> = [];
  if (complete.length >= 2 && names.length > 0) {
    try {
      importance = parameterImportance(study);
      lines.push('', 'Parameter importance (fANOVA, on each parameter\'s own scale):');
      lines.push(table(['parameter', 'importance', ''], importance.map((p) => [p.name, p.importance.toFixed(3), '#'.repeat(Math.round(p.importance * 40))])));
    } catch (err) {
      lines.push('', `Parameter importance: ${(err as Error).message}`);
    }
  }
  const regions = coarseToFineRegions(study);
  if (regions.length > 0) lines.push('', ...regionLines(study));
  out.event('show', {
    study: study.name, storage: redactUrl(file), direction: study.direction,
    best: { number: best.number, value: best.value, params: best.params, userAttrs: best.userAttrs },
    top: ranked.slice(0, top).map((t) => ({ number: t.number, value: t.value, params: t.params })),
    importance, regions,
  }, lines.join('\n'));
  return 0;
}

/** `caviar show` of a multi-objective study: its Pareto front and hypervolume, the infeasible trials counted. */
function showFront(study: Study, file: string, top: number, out: Output): number {
  const trials = study.trials();
  const count = (s: string) => trials.filter((t) => t.state === s).length;
  const infeasible = trials.filter((t) => t.state === 'complete' && !isFeasible(t)).length;
  const names = objectiveNames(study);
  const lines = [
    `Study '${study.name}' in ${redactUrl(file)}: ${names.map((n, i) => `${study.directions[i]} ${n}`).join(', ')}; ` +
      `${count('complete')} complete${infeasible ? ` (${infeasible} infeasible)` : ''}, ${count('pruned')} pruned, ${count('failed')} failed, ${count('running')} running`,
  ];
  const summary = frontSummary(study);
  if (!summary) {
    out.event('show', { study: study.name, complete: count('complete'), front: [] }, lines.join('\n'));
    return 0;
  }
  lines.push(
    '',
    `Pareto front: ${summary.front.length} trial${summary.front.length === 1 ? '' : 's'}, hypervolume ${formatValue(summary.hypervolume)} ` +
      `(reference point ${summary.reference.map(formatValue).join(', ')}: each objective's worst value, a tenth of its range further)`,
    frontTable(study, summary.front, top),
  );
  if (summary.front.length > top) lines.push(`  ... ${summary.front.length - top} more (--top ${summary.front.length} shows all)`);
  lines.push('', `Export one: caviar best ${study.name} --pick TRIAL --export model.safetensors`);
  out.event('show', {
    study: study.name, storage: redactUrl(file), directions: study.directions, objectives: names,
    front: summary.front.map((t) => ({ number: t.number, values: t.values, params: t.params, userAttrs: t.userAttrs })),
    hypervolume: summary.hypervolume, reference: summary.reference, infeasible,
  }, lines.join('\n'));
  return 0;
}

function testText(t: FrozenTrial): string {
  const epoch = typeof t.userAttrs.bestEpoch === 'number' ? ` (epoch ${t.userAttrs.bestEpoch})` : '';
  return `${epoch}${t.userAttrs.testAccuracy === undefined ? '' : `, test accuracy ${Number(t.userAttrs.testAccuracy).toFixed(4)}`}`;
}
