/**
 * `caviar tune EXPERIMENT`: runs (or resumes) the study of an experiment file
 * — the caviar way, many trials, one per worker — prints each trial as it
 * finishes, and ends with the best trial and where everything was saved.
 */
import { dirname, join, resolve } from 'node:path';
import { loadSplits, prepareData } from '../experiment/data.js';
import { pbtScheduler } from '../experiment/live.js';
import { failureLine, likelyCause } from '../experiment/failures.js';
import { experimentObjective, type ExperimentArgs } from '../experiment/objective.js';
import { objectiveModule } from '../experiment/objective-module.js';
import { TooManyFailuresError } from '../tune/executor.js';
import { studyIdentity } from '../experiment/trial-model.js';
import { minimumEpochs, StartReserve } from '../experiment/budget.js';
import { redactUrl, withoutPasswordsIn } from '../util/redact.js';
import { defaultPruner, parseDuration, parseExperiment, readExperiment, type Experiment } from '../experiment/spec.js';
import { createPruner } from '../tune/pruners/index.js';
import { createSampler } from '../tune/samplers/index.js';
import { createStudy, type Study } from '../tune/study.js';
import { problemChanges, problemOf, recordedProblem } from '../experiment/fingerprint.js';
import { coarseToFineRegions } from '../tune/samplers/coarse-to-fine.js';
import { rankTrials } from '../tune/rank.js';
import { isFeasible } from '../tune/multi/constraints.js';
import { describeConstraint } from '../experiment/measures.js';
import { describeValues, formatValue, frontSummary, frontTable, type FrontStudy, type FrontSummary } from './front.js';
import { formatParams, regionLines, waitingLine } from './format.js';
import type { FrozenTrial, StudyView } from '../tune/types.js';
import { checkWritableFolder, UsageError, type Output } from './output.js';
import { openForCommand, storageFile } from './study-files.js';
import { clock, quietOutput, trialProgress } from './progress.js';
import { integerFlag, parseCommand } from './args.js';
import { command, helpText } from './command.js';

export const tuneSpec = command({
  name: 'tune',
  summary: "run or resume an experiment's hyperparameter search",
  usage: 'EXPERIMENT [options]',
  about: `Runs the study of an experiment file (its 'tune' section: the space, sampler,
pruner and budget), or resumes it: trials already complete count toward the
budget. Each trial trains a model; the best one is kept.`,
  options: {
    trials: { type: 'string', value: 'N', doc: 'complete trials the study should reach (default: tune.trials)' },
    workers: { type: 'string', value: 'K', doc: 'trials at once, one worker thread each (default: tune.workers)' },
    storage: {
      type: 'string', value: 'PATH|URL',
      doc: 'a SQLite study file, or postgres://user@host/db for a study that workers on many machines share (default: tune.storage, or <output>/study.db)',
    },
    study: { type: 'string', value: 'NAME', doc: "the study's name (default: tune.study, or the experiment's name)" },
    timeout: { type: 'string', value: 'DURATION', doc: 'end the search after this long, e.g. 90s, 10m, 2h: running trials stop by then, keeping their best epoch, and no trial starts that cannot finish its minimum epochs in time; an experiment that names no pruner prunes by successive halving' },
    'accept-changes': {
      type: 'boolean',
      doc: "resume a study although the experiment's data, model, training settings, seed or space changed since it was created (refused otherwise: its old and new trials would not compare)",
    },
    quiet: { type: 'boolean', short: 'q', doc: 'print only the final summary' },
  },
  notes: `On a terminal a bar shows trial k of N, the best so far, the elapsed and the
remaining time; piped output gets one plain line per finished trial.
Ctrl-C once: no new trial starts, the running ones finish and are saved, and
the summary is printed (exit 0, or 1 if no trial completed); run the same
command again to resume. Ctrl-C twice: quit at once (exit 130).`,
  exits: '0 the budget reached (or Ctrl-C once, with a complete trial); 1 no trial completed, or tune.maxConsecutiveFailures trials failed in a row; ' +
    '2 bad usage, a problem in the experiment file, an unwritable output folder or storage, or a resume with a changed experiment (--accept-changes); 130 Ctrl-C twice',
  examples: ['caviar tune examples/quickstart.yaml --trials 30'],
});

export const tuneHelp = helpText(tuneSpec);

export async function tuneCommand(args: string[], shown: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, tuneSpec);
  const out = values.quiet ? quietOutput(shown) : shown;
  if (values.help) {
    out.text(tuneHelp);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one EXPERIMENT file, got ${positionals.length}: caviar tune ${tuneSpec.usage}`);
  // Flags first: a typo in them should not wait for the file to be read.
  const trialsFlag = integerFlag('--trials', values.trials, 1);
  const workersFlag = integerFlag('--workers', values.workers, 1);
  const timeoutFlag = values.timeout === undefined ? undefined : parseDuration(values.timeout);
  if (values.timeout !== undefined && timeoutFlag === undefined) throw new UsageError(`--timeout: expected a duration like 90s, 10m or 2h, got '${values.timeout}'`);
  let exp = readExperiment(positionals[0]);
  if (!exp.tune) exp = parseExperiment({ ...(exp.raw as object), tune: {} }, exp.source);
  let tune = exp.tune!;
  const trials = trialsFlag ?? tune.trials;
  const workers = workersFlag ?? tune.workers;
  const timeoutMs = timeoutFlag ?? tune.timeoutMs;
  const rawTune = (exp.raw as { tune?: Record<string, unknown> }).tune ?? {};
  // --timeout makes a timed study: one whose file names no pruner gets a timed study's default (spec.ts defaultPruner),
  // written into the experiment the study records, so that its workers prune alike.
  const pruner = timeoutFlag !== undefined && rawTune.pruner === undefined && !tune.pbt ? defaultPruner(tune.objectives.length, true) : undefined;
  if (trials !== tune.trials || (pruner !== undefined && pruner !== tune.pruner.name)) {
    exp = parseExperiment({ ...(exp.raw as object), tune: { ...rawTune, trials, ...(pruner !== undefined ? { pruner } : {}) } }, exp.source);
    tune = exp.tune!;
  }
  const storage = values.storage ?? tune.storage ?? join(exp.output, 'study.db');
  const name = values.study ?? tune.study ?? exp.name;
  // Before the study is opened or any data read: an unwritable folder fails now, not after the first trial.
  checkWritableFolder(exp.output, 'the output folder (output: in the experiment file)');
  // A database URL has no folder to check; a study file does.
  const studyFile = storageFile(storage);
  if (studyFile !== undefined && dirname(studyFile) !== exp.output) checkWritableFolder(dirname(studyFile), 'the study folder');
  await prepareData(exp.data, (file, url) => out.event('download', { name: file, url }, `Downloading ${file} from ${url} (once, into the cache)`));
  // The user's own files are read once here, so a missing or corrupt one stops the command instead of
  // failing every trial (or, when the study already has its trials, passing unnoticed).
  if (exp.data.source === 'idx' || exp.data.source === 'csv') loadSplits(exp.data, exp.seed);
  const opened = await openForCommand(storage, { mustExist: false });
  let study: Study | undefined;
  try {
    const existing = await opened.getStudy(name);
    if (existing && existing.directions.length > 1 !== tune.directions.length > 1) {
      throw new UsageError(
        `study '${name}' in ${redactUrl(storage)} has ${existing.directions.length} objective${existing.directions.length > 1 ? 's' : ''}, and this experiment's tune.objectives has ${tune.directions.length}: ` +
          'a study keeps its objectives; start a new study (--study ANOTHER_NAME, or another --storage)',
      );
    }
    if (existing && existing.directions.join() !== tune.directions.join()) {
      throw new UsageError(
        existing.directions.length > 1
          ? `study '${name}' in ${redactUrl(storage)} is to ${existing.directions.join(', ')}, and this experiment's objectives (${tune.objectives.join(', ')}) are to ${tune.directions.join(', ')}: start a new study (--study ANOTHER_NAME, or another --storage)`
          : `study '${name}' in ${redactUrl(storage)} ${existing.direction}s its metric, and this experiment's tune.metric ${tune.metric} is to ${tune.direction}: ` +
            'a study ranks its trials one way; start a new study (--study ANOTHER_NAME, or another --storage)',
      );
    }
    study = await createStudy({
      name,
      storage: opened,
      ...(tune.directions.length > 1 ? { directions: tune.directions } : { direction: tune.direction }),
      loadIfExists: true,
      sampler: createSampler(tune.sampler.name, tune.sampler.options, exp.seed),
      ...(tune.pbt ? { scheduler: pbtScheduler(tune.pbt, exp), maxRetries: 0 } : {}),
      ...(tune.pruner.name !== 'none' ? { pruner: createPruner(tune.pruner.name, tune.pruner.options) } : {}),
      data: recordOf(exp),
      onWarning: (message) => out.event('warning', { message }, `warning: ${message}`),
    });
    await checkSameProblem(study, exp, storage, values['accept-changes'] === true, out);
    // Names for show and the dashboard: a single-objective study keeps its file exactly as before.
    if (study.isMultiObjective && study.metricNames === undefined) study.setMetricNames(tune.objectives);
  } catch (e) {
    await (study as Study | undefined)?.close();
    await opened.close();
    throw e;
  }
  const abort = new AbortController();
  const onSigint = () => {
    out.event('interrupt', {}, 'Interrupted: finishing the running trials (Ctrl-C again to quit at once)');
    abort.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  let ticker: ReturnType<typeof setInterval> | undefined;
  try {
    const already = study.trials(['complete']).length;
    const metric = tune.metric === 'devLoss' ? 'dev loss' : 'dev acc';
    out.event('start', { study: name, storage: redactUrl(storage), trials, already, workers, sampler: tune.sampler.name, pruner: tune.pruner.name },
      `Tuning ${exp.name}: ${trials} trials (${already} already complete), ${workers} worker${workers === 1 ? '' : 's'}, ` +
        `${tune.sampler.name} sampler, ${tune.pruner.name} pruner\n  study '${name}' in ${redactUrl(storage)}`);
    const started = Date.now();
    // With a time budget, trials end by its deadline too, and none starts that cannot reach its minimum epochs (budget.ts).
    const deadline = timeoutMs === undefined ? undefined : started + timeoutMs;
    // Seconds left: at the pace of the complete trials so far, and never past the deadline.
    const secondsLeft = (done: number, elapsed: number): number => {
      const newlyDone = done - already;
      const byPace = newlyDone > 0 ? (Math.max(0, trials - done) * elapsed) / newlyDone : NaN;
      const byClock = deadline === undefined ? Infinity : Math.max(0, (deadline - Date.now()) / 1000);
      return Number.isNaN(byPace) ? (deadline === undefined ? NaN : byClock) : Math.min(byPace, byClock);
    };
    const progress = out.progress;
    const drawBar = progress && (() => {
      const done = study.trials(['complete']).length;
      const best = done > 0 ? study.bestTrials[0] : undefined;
      const elapsed = (Date.now() - started) / 1000;
      const remaining = secondsLeft(done, elapsed);
      progress(trialProgress({
        complete: done, trials, elapsedS: elapsed,
        ...(best?.value !== undefined ? { best: { value: best.value, number: best.number } } : {}),
        ...(Number.isFinite(remaining) ? { remainingS: remaining } : {}),
      }));
    });
    // The clock moves while a trial trains: redraw every second (unref: it never keeps the process alive).
    ticker = drawBar ? setInterval(drawBar, 1000) : undefined;
    ticker?.unref();
    drawBar?.();
    // The study's name and uid: its trial models go to its own folder and record it.
    const experimentArgs: ExperimentArgs = {
      raw: exp.raw, source: resolve(exp.source), study: await studyIdentity(study), ...(deadline === undefined ? {} : { deadline }),
    };
    // What a new trial needs at least, from the trials so far; each finished trial updates it.
    const reserve = new StartReserve(minimumEpochs(tune.pruner, exp.settings.epochs), study.trials());
    const objective = workers > 1
      ? { module: objectiveModule(), exportName: 'objective', args: experimentArgs }
      : (trial: Parameters<typeof experimentObjective>[0]) => experimentObjective(trial, experimentArgs);
    const search = study.optimize(objective, {
      untilComplete: trials,
      concurrency: workers,
      maxConsecutiveFailures: tune.maxConsecutiveFailures,
      ...(deadline !== undefined ? { timeoutMs: Math.max(0, deadline - Date.now()), startReserveMs: () => reserve.ms } : {}),
      signal: abort.signal,
      onWait: (others) => out.event('waiting', { trials: others.map((t) => t.number), graceMs: study.graceMs }, waitingLine(others, study.graceMs)),
      onTrialComplete: (t: FrozenTrial) => {
        reserve.add(t);
        // A lost trial (a database crash) was reported by its warning; it is not among the study's trials.
        if (t.systemAttrs.lost === true) return;
        const done = study.trials(['complete']).length;
        const multi = study.isMultiObjective;
        const best = done > 0 && !multi ? study.bestTrials[0] : undefined;
        const front = multi ? study.bestTrials.length : 0;
        const elapsed = (Date.now() - started) / 1000;
        // Pruned and failed trials are part of what a complete one costs, so time per complete trial so far.
        const remaining = secondsLeft(done, elapsed);
        const value = t.values !== undefined ? `${describeValues(study, t.values)}  ` : t.value === undefined ? '' : `${metric} ${fmt(t.value)}  `;
        const infeasible = t.state === 'complete' && !isFeasible(t) ? 'infeasible  ' : '';
        out.event('trial', {
          number: t.number, state: t.state, value: t.value ?? null, ...(multi ? { values: t.values ?? null, front } : {}),
          ...(t.constraints ? { constraints: t.constraints, feasible: isFeasible(t) } : {}), params: t.params, best: best?.value ?? null, complete: done,
        },
          `trial ${String(t.number).padStart(3)}  ${t.state.padEnd(8)}  ${value}${infeasible}${formatParams(t.params)}` +
            (multi ? `  | front ${front} trial${front === 1 ? '' : 's'}` : `  | best ${best ? `${fmt(best.value!)} (trial ${best.number})` : '-'}`) + `  ${done}/${trials} complete  ` +
            `${clock(elapsed)} elapsed${Number.isFinite(remaining) ? `, ~${clock(remaining)} left` : ''}` +
            (t.state === 'failed' ? `\n      failed: ${String(t.systemAttrs.failReason ?? t.systemAttrs.reason ?? 'unknown reason')}` : ''));
        drawBar?.();
      },
    });
    // Failures in a row end the search: the summary of what there is, then the likely cause, exit 1.
    const stoppedBy = await search.then(() => undefined, (e: unknown) => {
      if (e instanceof TooManyFailuresError) return e;
      throw e;
    });
    clearInterval(ticker);
    const code = summary(exp, study, name, redactUrl(storage), out);
    if (!stoppedBy) return code;
    out.event('stopped', { reason: 'failures', count: stoppedBy.count, lastTrial: stoppedBy.lastTrial, cause: likelyCause(stoppedBy.reasons) }, failureLine(stoppedBy));
    return 1;
  } finally {
    clearInterval(ticker);
    process.removeListener('SIGINT', onSigint);
    await study.close();
    await opened.close();
  }
}

/**
 * What a study records of its experiment: `caviar worker`, `best --retrain`
 * and `zoom` rebuild it from this, from any folder (so the source is an
 * absolute path). No password is recorded: a tune.storage URL in the file
 * keeps it there, not in the study.
 */
function recordOf(exp: Experiment): { experiment: unknown; source: string } {
  return { experiment: withoutPasswordsIn(exp.raw), source: resolve(exp.source) };
}

/**
 * Resuming a study with another problem (other data, model, training
 * settings, seed or space) would rank trials that do not compare: refused,
 * naming what changed, unless `accept`. A new study, or one with no trial
 * yet, records the experiment's problem and goes on.
 */
async function checkSameProblem(study: Study, exp: Experiment, storage: string, accept: boolean, out: Output): Promise<void> {
  const current = problemOf(exp);
  const before = recordedProblem(study.systemAttrs, study.data);
  const trials = study.trials().length;
  const changes = before && trials > 0 ? problemChanges(before, current) : [];
  if (changes.length > 0) {
    if (!accept) {
      throw new UsageError(
        `study '${study.name}' in ${redactUrl(storage)} was made by another experiment: ${changes.join('; ')}. ` +
          `Its ${trials} trial${trials === 1 ? '' : 's'} would not compare with new ones: start a new study (--study ANOTHER_NAME, or another --storage), ` +
          'or pass --accept-changes to add trials to this one anyway',
      );
    }
    out.event('changed', { study: study.name, changes }, `Resuming study '${study.name}' with a changed experiment (--accept-changes): ${changes.join('; ')}`);
  }
  // The record follows the experiment in use (workers, retraining and the next resume read it):
  // after accepted changes, and for a study with no trial yet, made by whatever experiment.
  if (changes.length > 0 || study.systemAttrs.problem === undefined || trials === 0) study.setSystemAttr('problem', current);
  const record = recordOf(exp);
  if ((changes.length > 0 || trials === 0) && JSON.stringify(study.data) !== JSON.stringify(record)) {
    await study.storage.updateStudy(study.id, { data: record });
    await study.refresh();
  }
}

function summary(exp: Experiment, study: StudyView, name: string, storage: string, out: Output): number {
  const trials = study.trials();
  const complete = trials.filter((t) => t.state === 'complete');
  const count = (s: string) => trials.filter((t) => t.state === s).length;
  const ranked = rankTrials(complete, exp.tune!.direction);
  const front = study.directions.length > 1 ? frontSummary({ directions: study.directions, metricNames: exp.tune!.objectives, trials: (s) => study.trials(s) }) : undefined;
  if (complete.length === 0 || (ranked.length === 0 && front === undefined)) {
    const none = complete.length === 0 ? 'No trial completed' : `No feasible trial among ${complete.length} complete (constraints: ${exp.tune!.constraints.map(describeConstraint).join(', ')})`;
    out.event('done', { complete: complete.length, feasible: 0, waiting: count('waiting') },
      [`${none} (${count('pruned')} pruned, ${count('failed')} failed). Study '${name}' is in ${storage}`, ...waitingNote(trials, complete.length, exp.source)].join('\n'));
    return 1;
  }
  if (front) return frontDone(exp, { directions: study.directions, metricNames: exp.tune!.objectives, trials: (s) => study.trials(s) }, front, { name, storage, count, trials }, out);
  const best = ranked[0];
  const metric = exp.tune!.metric;
  const lines = [
    '',
    `${complete.length} complete, ${count('pruned')} pruned, ${count('failed')} failed`,
    'Top trials:',
    ...ranked.slice(0, 5).map((t) => `  trial ${String(t.number).padStart(3)}  ${metric} ${fmt(t.value!)}  test acc ${fmt(Number(t.userAttrs.testAccuracy))}  ${formatParams(t.params)}`),
    '',
    `Best trial: ${best.number}  ${metric} ${fmt(best.value!)}  test accuracy ${fmt(Number(best.userAttrs.testAccuracy))}`,
    `  ${formatParams(best.params)}`,
    ...regionLines(study),
    ...(coarseToFineRegions(study).length ? [''] : []),
    `Study '${name}' saved in ${storage}`,
    `Best model saved in ${String(best.userAttrs.model)}`,
    ...waitingNote(trials, complete.length, exp.source),
  ];
  out.event('done', { best: { number: best.number, value: best.value, params: best.params, testAccuracy: best.userAttrs.testAccuracy, model: best.userAttrs.model }, study: name, storage, waiting: count('waiting') }, lines.join('\n'));
  return 0;
}

/** The end of a multi-objective run: its Pareto front, the hypervolume, and how to export a point of it. */
function frontDone(
  exp: Experiment, study: FrontStudy, summary: FrontSummary,
  run: { name: string; storage: string; count: (s: string) => number; trials: readonly FrozenTrial[] }, out: Output,
): number {
  const complete = run.count('complete');
  const infeasible = run.trials.filter((t) => t.state === 'complete' && !isFeasible(t)).length;
  const lines = [
    '',
    `${complete} complete${infeasible ? ` (${infeasible} infeasible)` : ''}, ${run.count('pruned')} pruned, ${run.count('failed')} failed`,
    `Pareto front: ${summary.front.length} trial${summary.front.length === 1 ? '' : 's'}, hypervolume ${formatValue(summary.hypervolume)} (reference ${summary.reference.map(formatValue).join(', ')})`,
    frontTable(study, summary.front, 20),
    ...(summary.front.length > 20 ? [`  ... and ${summary.front.length - 20} more: caviar show ${run.name}`] : []),
    '',
    `Study '${run.name}' saved in ${run.storage}`,
    `Export a point of the front: caviar best ${run.name} --pick TRIAL (or --max ${exp.tune!.objectives[1]}=VALUE) --export model.safetensors`,
    ...waitingNote(run.trials, complete, exp.source),
  ];
  out.event('done', {
    front: summary.front.map((t) => ({ number: t.number, values: t.values, params: t.params, testAccuracy: t.userAttrs.testAccuracy ?? null, model: t.userAttrs.model ?? null })),
    hypervolume: summary.hypervolume, reference: summary.reference, objectives: exp.tune!.objectives, study: run.name, storage: run.storage, waiting: run.count('waiting'),
  }, lines.join('\n'));
  return 0;
}

/**
 * Trials that wait (forks enqueued from the dashboard) when the run ends: the
 * budget is reached, so nothing trains them until a runner is started.
 */
function waitingNote(trials: readonly FrozenTrial[], complete: number, source: string): string[] {
  const waiting = trials.filter((t) => t.state === 'waiting');
  if (waiting.length === 0) return [];
  const list = waiting.slice(0, 10).map((t) => t.number).join(', ') + (waiting.length > 10 ? ', ...' : '');
  return [
    `${waiting.length} trial${waiting.length === 1 ? '' : 's'} (${list}) wait${waiting.length === 1 ? 's' : ''} to run, enqueued after the budget was taken: ` +
      `'caviar tune ${source} --trials ${complete + waiting.length}' trains ${waiting.length === 1 ? 'it' : 'them'} (or a caviar worker, for a shared study)`,
  ];
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : String(v);
}

