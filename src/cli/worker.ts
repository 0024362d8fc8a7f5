/**
 * `caviar worker --storage URL --study NAME`: runs trials of a study that
 * `caviar tune` recorded in shared storage (PostgreSQL), until the study has
 * its budget of complete trials. Start any number, on any number of
 * machines: claims are atomic, so together they stop at exactly the budget.
 * The objective, data and search settings come from the experiment recorded
 * in the study; a worker that dies leaves trials its peers fail (after the
 * grace period) and retry.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { prepareData } from '../experiment/data.js';
import { failureLine, likelyCause } from '../experiment/failures.js';
import type { ExperimentArgs } from '../experiment/objective.js';
import { objectiveModule } from '../experiment/objective-module.js';
import { TooManyFailuresError } from '../tune/executor.js';
import { studyIdentity } from '../experiment/trial-model.js';
import { parseDuration, parseExperiment, type Experiment } from '../experiment/spec.js';
import { createPruner } from '../tune/pruners/index.js';
import { createSampler } from '../tune/samplers/index.js';
import { openStorage } from '../tune/storage/open.js';
import type { Storage } from '../tune/storage/storage.js';
import { loadStudy, type Study } from '../tune/study.js';
import type { FrozenTrial } from '../tune/types.js';
import { redactUrl } from '../util/redact.js';
import { describeValues } from './front.js';
import { formatParams, waitingLine } from './format.js';
import { UsageError, type Output } from './output.js';
import { clock } from './progress.js';
import { integerFlag, parseCommand } from './args.js';
import { command, helpText } from './command.js';

export const workerSpec = command({
  name: 'worker',
  summary: 'run trials of a shared study (PostgreSQL) until its budget; start any number, on any machines',
  usage: '--storage URL --study NAME [options]',
  about: `Runs trials of a study kept in shared storage (PostgreSQL, e.g.
postgres://user@host/db) until it has its budget of complete trials. The
study and its experiment are recorded by 'caviar tune EXPERIMENT --storage URL';
start any number of workers, on any number of machines: together they stop at
exactly the budget.`,
  options: {
    storage: {
      type: 'string', value: 'URL',
      doc: 'the shared storage (required): postgres://user[:password]@host[:port]/db[?schema=NAME][&durability=fast]',
    },
    study: { type: 'string', value: 'NAME', doc: "the study's name (required)" },
    trials: { type: 'string', value: 'N', doc: "complete trials the study should reach (default: the experiment's tune.trials)" },
    workers: { type: 'string', value: 'K', doc: 'trials at once in this process, one worker thread each (default 1)' },
    grace: { type: 'string', value: 'DURATION', doc: 'a trial with no heartbeat for this long is failed, e.g. 30s (default 30s)' },
    'max-retries': { type: 'string', value: 'N', doc: 'times a trial whose worker died is re-run (default 2)' },
    objective: {
      type: 'string', value: 'FILE[#NAME]',
      doc: "run this module's export NAME (default 'objective') as objective(trial, { raw, source }) instead of training the recorded experiment: " +
        'for custom objectives, tests, benchmarks',
    },
  },
  notes: `Ctrl-C once: no new trial starts, the running ones finish and are saved.
Ctrl-C twice: quit at once; other workers fail and retry its trials.`,
  exits: '0 the budget reached (or Ctrl-C once); 1 tune.maxConsecutiveFailures trials failed in a row; ' +
    '2 bad usage, no such study or schema, an unreachable database, or a population-based study (run it with caviar tune); 130 Ctrl-C twice',
  examples: ["caviar worker --storage 'postgres://me@db.lan/studies?schema=fashion' --study fashion --workers 2"],
});

const workerHelp = helpText(workerSpec);

const DEFAULT_HEARTBEAT_MS = 5000;
const DEFAULT_GRACE_MS = 30_000;

export async function workerCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, workerSpec);
  if (values.help) {
    out.text(workerHelp);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`takes no arguments, got '${positionals[0]}': caviar worker ${workerSpec.usage}`);
  if (!values.storage) throw new UsageError(`needs --storage URL, the shared storage: caviar worker ${workerSpec.usage}`);
  if (!values.study) throw new UsageError(`needs --study NAME, the study to work on: caviar worker ${workerSpec.usage}`);
  const trialsFlag = integerFlag('--trials', values.trials, 1);
  const workers = integerFlag('--workers', values.workers, 1) ?? 1;
  const maxRetries = integerFlag('--max-retries', values['max-retries'], 0) ?? 2;
  let graceMs = DEFAULT_GRACE_MS;
  if (values.grace !== undefined) {
    const ms = parseDuration(values.grace);
    if (ms === undefined) throw new UsageError(`--grace: expected a duration like 30s, 2m or 500ms, got '${values.grace}'`);
    graceMs = ms;
  }
  // Heartbeats well inside the grace period, so a live but busy worker is never declared dead.
  const heartbeatMs = Math.max(50, Math.min(DEFAULT_HEARTBEAT_MS, Math.floor(graceMs / 3)));
  const storage = values.storage;
  const name = values.study;
  const custom = values.objective === undefined ? undefined : customObjective(values.objective);

  let store: Storage;
  try {
    store = (await openStorage(storage, { mustExist: true })).storage;
  } catch (err) {
    throw new UsageError(oneLine((err as Error).message));
  }
  let study: Study | undefined;
  try {
    const record = await store.getStudy(name);
    if (!record) {
      const names = (await store.listStudies()).map((s) => s.name);
      throw new UsageError(`no study named '${name}' in ${store.location}` +
        (names.length ? ` (it has: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', ...' : ''})` : ' (it has no study)'));
    }
    const exp = recordedExperiment(record.data, name);
    const tune = exp.tune!;
    if (tune.pbt) {
      // Planning the population is not shared between processes: two planners would enqueue the same segment twice.
      throw new UsageError(
        `study '${name}' is population-based (tune.pbt): run it from one 'caviar tune' process with --workers N; 'caviar worker' cannot join it`,
      );
    }
    const st = await loadStudy({
      name, storage: store, heartbeatMs, graceMs, maxRetries,
      // A trial lost in a database crash, a result that came too late: one line each, and the worker goes on.
      onWarning: (message) => out.event('warning', { message }, `warning: ${message}`),
      // The same sampler and pruner as `caviar tune` builds (same seed: random draws depend on the trial number).
      sampler: createSampler(tune.sampler.name, tune.sampler.options, exp.seed),
      ...(tune.pruner.name !== 'none' ? { pruner: createPruner(tune.pruner.name, tune.pruner.options) } : {}),
    });
    study = st;
    const trials = trialsFlag ?? tune.trials;
    await prepareData(exp.data, (file, url) => out.event('download', { name: file, url }, `Downloading ${file} from ${url} (once, into the cache)`));

    const abort = new AbortController();
    const onSigint = () => {
      out.event('interrupt', {}, 'Interrupted: finishing the running trials (Ctrl-C again to quit at once)');
      abort.abort();
      process.once('SIGINT', () => process.exit(130));
    };
    process.once('SIGINT', onSigint);
    try {
      const already = st.trials(['complete']).length;
      const metric = tune.metric === 'devLoss' ? 'dev loss' : 'dev acc';
      out.event('start', { study: name, storage: redactUrl(storage), trials, already, workers, pid: process.pid },
        `Worker ${process.pid} on study '${name}' (${exp.name}): ${trials} trials (${already} already complete), ` +
          `${workers} at once, ${tune.sampler.name} sampler, ${tune.pruner.name} pruner`);
      const started = Date.now();
      let mine = 0;
      // The study's name and uid: its trial models go to its own folder and record it.
      const experimentArgs: ExperimentArgs = { raw: exp.raw, source: exp.source, study: await studyIdentity(st) };
      // Always in worker threads: training blocks its thread, and heartbeats must keep going meanwhile.
      const objective = custom ?? { module: objectiveModule(), exportName: 'objective' };
      const search = st.optimize({ ...objective, args: experimentArgs }, {
        untilComplete: trials,
        concurrency: workers,
        maxConsecutiveFailures: tune.maxConsecutiveFailures,
        signal: abort.signal,
        onWait: (others) => out.event('waiting', { trials: others.map((t) => t.number), graceMs }, waitingLine(others, graceMs)),
        onTrialComplete: (t: FrozenTrial) => {
          // A lost trial was reported by its warning; it is not among the study's trials.
          if (t.systemAttrs.lost === true) return;
          mine++;
          const done = st.trials(['complete']).length;
          // A multi-objective study has a front, not one best: its trials' values are shown, no best.
          const best = done > 0 && !st.isMultiObjective ? st.bestTrials[0] : undefined;
          const elapsed = (Date.now() - started) / 1000;
          const value = t.values !== undefined ? `${describeValues(st, t.values)}  ` : t.value === undefined ? '' : `${metric} ${fmt(t.value)}  `;
          const retry = t.systemAttrs.retryOf !== undefined ? `  (retry of trial ${String(t.systemAttrs.retryOf)})` : '';
          out.event('trial', { number: t.number, state: t.state, value: t.value ?? null, params: t.params, best: best?.value ?? null, complete: done,
            retryOf: t.systemAttrs.retryOf ?? null },
          `trial ${String(t.number).padStart(3)}  ${t.state.padEnd(8)}  ${value}${formatParams(t.params)}` +
            `  | best ${best ? `${fmt(best.value!)} (trial ${best.number})` : '-'}  ${done}/${trials} complete  ${clock(elapsed)} elapsed${retry}` +
            (t.state === 'failed' ? `\n      failed: ${String(t.systemAttrs.failReason ?? t.systemAttrs.reason ?? 'unknown reason')}` : ''));
        },
      });
      // Failures in a row end this worker's search (the others count their own): the summary, the likely cause, exit 1.
      const stoppedBy = await search.then(() => undefined, (e: unknown) => {
        if (e instanceof TooManyFailuresError) return e;
        throw e;
      });
      await st.refresh();
      const all = st.trials();
      const n = (s: string) => all.filter((t) => t.state === s).length;
      const best = n('complete') > 0 && !st.isMultiObjective ? st.bestTrials[0] : undefined;
      out.event('done', { ran: mine, complete: n('complete'), pruned: n('pruned'), failed: n('failed'), trials,
        best: best ? { number: best.number, value: best.value, params: best.params } : null },
      `Worker ${process.pid} done: ran ${mine} trial${mine === 1 ? '' : 's'}; study '${name}' has ${n('complete')}/${trials} complete, ` +
        `${n('pruned')} pruned, ${n('failed')} failed` +
        (best ? `\nBest trial: ${best.number}  ${tune.metric} ${fmt(best.value!)}  ${formatParams(best.params)}` : '') +
        (st.isMultiObjective ? `\nPareto front: ${st.bestTrials.length} trials ('caviar show ${name}' lists them)` : ''));
      if (!stoppedBy) return 0;
      out.event('stopped', { reason: 'failures', count: stoppedBy.count, lastTrial: stoppedBy.lastTrial, cause: likelyCause(stoppedBy.reasons) }, failureLine(stoppedBy));
      return 1;
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
  } finally {
    await study?.close();
    await store.close();
  }
}

/** `--objective path/to/module.ts#name`: the module (resolved from here) and its export. */
function customObjective(spec: string): { module: string; exportName: string } {
  const hash = spec.lastIndexOf('#');
  const file = hash >= 0 ? spec.slice(0, hash) : spec;
  const exportName = hash >= 0 ? spec.slice(hash + 1) : 'objective';
  const module = resolve(file);
  if (!existsSync(module)) throw new UsageError(`--objective: no file at ${module}`);
  if (!/^[A-Za-z_$][\w$]*$/.test(exportName)) throw new UsageError(`--objective: '${exportName}' is not an export name`);
  return { module, exportName };
}

/** The experiment `caviar tune` recorded in the study (`{ experiment, source }`), parsed again. */
function recordedExperiment(data: unknown, name: string): Experiment {
  const d = data as { experiment?: unknown; source?: unknown } | undefined;
  if (!d || typeof d !== 'object' || d.experiment === undefined || typeof d.source !== 'string') {
    throw new UsageError(`study '${name}' has no recorded experiment; create it with 'caviar tune EXPERIMENT --storage URL'`);
  }
  let exp: Experiment;
  try {
    exp = parseExperiment(d.experiment, d.source);
  } catch (err) {
    throw new UsageError(`study '${name}': its recorded experiment is not valid: ${oneLine((err as Error).message)}`);
  }
  if (!exp.tune) exp = parseExperiment({ ...(exp.raw as object), tune: {} }, exp.source);
  return exp;
}

function oneLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).filter(Boolean).join('; ');
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : String(v);
}

