/**
 * `caviar best STUDY --export PATH`: the best trial's model, out of the
 * study's folder and into a place of your choosing — a byte-for-byte copy of
 * the file the trial saved; with `--retrain` a fresh run of the best
 * parameters from the experiment the study recorded; with `--refit` that run
 * on train + dev; with `--ensemble` several trials' models as one
 * (best-ensemble.ts).
 */
import { existsSync } from 'node:fs';
import { loadSplits, prepareData } from '../experiment/data.js';
import { refitPlan, retrainPlan } from '../experiment/refit.js';
import { trainRun } from '../experiment/run.js';
import { rankTrials } from '../tune/rank.js';
import { exportEnsemble } from './best-ensemble.js';
import { command, helpText } from './command.js';
import { experimentInputs, parseExperiment, type Experiment } from '../experiment/spec.js';
import { checkModelOrigin, studyIdentity, trialModelMetadata, type StudyIdentity } from '../experiment/trial-model.js';
import { decodeModel, encodeModel, readModelBytes } from '../io/model-file.js';
import { checkOutputFile, type OutputRule } from '../io/output-file.js';
import type { Study } from '../tune/study.js';
import type { FrozenTrial } from '../tune/types.js';
import { formatParams } from './format.js';
import { describeValues, objectiveNames } from './front.js';
import { parseBounds, pickTrial } from './pick.js';
import { writeFileAtomically } from '../util/atomic-write.js';
import { NothingToExport, UsageError, type Output } from './output.js';
import { findStudy, storageFile } from './study-files.js';
import { integerFlag, parseCommand } from './args.js';
import { redactUrl } from '../util/redact.js';

export const bestSpec = command({
  name: 'best',
  summary: "export a study's best model: the trial's file, an ensemble of the best trials, or a refit",
  usage: 'STUDY --export PATH [options]',
  about: `Exports a study's best model to PATH. By default, for a study caviar tune
made, that is an ensemble: greedy ensemble selection on the dev set (Caruana
et al. 2004) among the best --library trials, saved as one model file that
caviar predict and caviar export (one ONNX graph) read like any other, with
its dev and test accuracy and its size beside the best trial's. On the
ten-minute Fashion-MNIST benchmark it tests 1.3 points above the best trial
(90.5% against 89.2%, docs/BENCHMARKS.md), and it is as many times larger
as it has members. Where selection keeps the
best trial alone, or there is no dev set to choose on, the best trial's own
file is exported instead, and a multi-objective study exports one trial of
its front (--pick, --max, --min).

--single exports the best trial alone: a byte-for-byte copy of the model
file it saved (the weights of its best epoch, unless the study used
tune.epoch: last), for those who ship one small network. Every trial's file
must record this study and this trial (every model caviar tune saves does);
a file of another study or trial is refused, never exported as this one's.

--ensemble K takes the top K trials with equal weights. --refit trains the
best parameters again on train + dev together for the best trial's best
epoch count, the last step people usually do by hand, and reports its test
accuracy beside the trial's. Both, and the default ensemble, use the data of
the experiment the study recorded.`,
  options: {
    export: { type: 'string', value: 'PATH', doc: 'where to write the model (.safetensors), atomically. An existing caviar model there is replaced; a study file, a trial\'s own file or a folder never is' },
    force: { type: 'boolean', doc: 'replace PATH even when it is not a caviar model' },
    ensemble: {
      type: 'string', value: 'K|auto',
      doc: 'an ensemble: the mean of the top K trials\' probabilities, or with auto (the default export made explicit: an error, not the best trial alone, when it cannot be chosen) greedy ensemble selection on the dev set, which picks the members and their weights among the top --library trials',
    },
    library: { type: 'string', value: 'N', doc: 'with the default ensemble or --ensemble auto: how many of the best trials it chooses from (default 20)' },
    single: { type: 'boolean', doc: 'the best trial alone: a byte-for-byte copy of its model file, instead of the default ensemble' },
    refit: { type: 'boolean', doc: 'train the best parameters on train + dev together for the best trial\'s epochs (its best epoch), then test' },
    retrain: { type: 'boolean', doc: 'train the best parameters again exactly as the trial did (same data, seed and epochs) instead of copying its file' },
    pick: { type: 'string', value: 'TRIAL', doc: 'export this trial instead of the best (any complete trial; says whether it is on the Pareto front)' },
    max: { type: 'string', value: 'NAME=V[,...]', doc: 'multi-objective studies: the front\'s trial with each named objective at most V, best on the first objective not named' },
    min: { type: 'string', value: 'NAME=V[,...]', doc: 'like --max, with each named objective at least V' },
    storage: { type: 'string', value: 'PATH|URL', doc: 'the SQLite study file or postgres:// URL (default: every caviar-out/*/study.db)' },
  },
  exits: '0 exported; 1 nothing to export (no complete trial, a trial\'s model file is gone or is not that trial\'s, training failed); 2 bad usage, no such study, or PATH refused',
  examples: [
    'caviar best quickstart --export quickstart.safetensors',
    'caviar best fashion --single --export fashion-one.safetensors',
    'caviar best fashion --ensemble 5 --export fashion-top5.safetensors',
    'caviar best fashion --refit --export fashion-refit.safetensors',
    'caviar best fashion-pareto --max inferenceMs=0.05 --export fast.safetensors',
    'caviar best fashion-pareto --pick 41 --export trial41.safetensors',
  ],
});

/** The help text (kept as a string for the command list). */
export const bestHelp = helpText(bestSpec);

export async function bestCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, bestSpec);
  if (values.help) {
    out.text(bestHelp);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`needs one STUDY name, got ${positionals.length}; 'caviar best --help' shows how`);
  if (values.export === undefined) throw new UsageError("needs --export PATH: where to write the model; 'caviar best --help' shows how");
  const modes = (['single', 'retrain', 'refit', 'ensemble'] as const).filter((m) => values[m] !== undefined && values[m] !== false);
  if (modes.length > 1) throw new UsageError(`--${modes[0]} and --${modes[1]} do not go together: pick one`);
  const ensemble = values.ensemble === undefined ? undefined : values.ensemble === 'auto' ? 'auto' as const : integerFlag('--ensemble', values.ensemble, 2);
  const library = integerFlag('--library', values.library, 1) ?? 20;
  const target = values.export;
  const pick = integerFlag('--pick', values.pick, 0);
  const { study, file: where } = await findStudy(positionals[0], values.storage);
  const file = redactUrl(where);
  try {
    const { trial: best, note } = chosenTrial(study, file, pick, values.max, values.min);
    if (ensemble !== undefined && study.isMultiObjective) {
      throw new UsageError(`--ensemble ranks trials by one value, and study '${study.name}' has ${study.directions.length} objectives: export one trial of its front (--pick, --max, --min)`);
    }
    if (ensemble !== undefined && pick !== undefined) throw new UsageError('--pick names one trial to export; leave out --ensemble');
    // No flag: the greedy ensemble where one can be chosen (a single-objective study caviar tune made, with two complete trials or more).
    const ranked = rankTrials(study.trials(), study.direction);
    const byDefault = modes.length === 0 && pick === undefined && !study.isMultiObjective && experimentRecord(study) !== undefined && ranked.length >= 2;
    let exp: Experiment | undefined;
    let alone: string | undefined;
    if (values.retrain || values.refit || ensemble !== undefined) exp = recordedExperiment(study);
    else if (byDefault) {
      try {
        exp = recordedExperiment(study);
      } catch (err) {
        alone = `the experiment the study recorded could not be read to choose an ensemble (${(err as Error).message})`;
      }
    }
    const mode = ensemble ?? (byDefault && exp ? 'auto' as const : undefined);
    if (values.library !== undefined && !(mode === 'auto' || byDefault)) throw new UsageError('--library goes with --ensemble auto or the default ensemble, not with a single trial or --ensemble K');
    const identity = await studyIdentity(study, { record: false });
    // What --export may replace: never the study read, nor a trial's own file (nor, training, the experiment's files).
    const trialFiles = mode === undefined ? [best] : ranked.slice(0, mode === 'auto' ? library : mode);
    const rule: OutputRule = {
      flag: '--export', kind: 'model', force: Boolean(values.force), studies: [storageFile(where) ?? where],
      inputs: [
        ...trialFiles.flatMap((t) => (typeof t.userAttrs.model === 'string' ? [{ path: t.userAttrs.model, what: `trial ${t.number}'s model file` }] : [])),
        ...(exp ? experimentInputs(exp) : []),
      ],
    };
    checkOutputFile(target, rule);
    const test = best.userAttrs.testAccuracy;
    const epoch = typeof best.userAttrs.bestEpoch === 'number' ? `, best epoch ${best.userAttrs.bestEpoch}` : '';
    const value = best.values !== undefined ? describeValues(study, best.values) : `value ${best.value!.toFixed(4)}`;
    const which = pick !== undefined || study.isMultiObjective ? 'Chosen trial' : 'Best trial';
    out.event('best', {
      study: study.name, storage: file, number: best.number, value: best.value ?? null, ...(best.values ? { values: best.values } : {}),
      params: best.params, testAccuracy: test ?? null, bestEpoch: best.userAttrs.bestEpoch ?? null, ...(note ? { note } : {}),
    },
      `${which} of '${study.name}' (${file}): trial ${best.number}, ${value}${epoch}` +
        `${test === undefined ? '' : `, test accuracy ${Number(test).toFixed(4)}`}${note ? ` (${note})` : ''}\n  ${formatParams(best.params)}`);
    if (mode !== undefined) {
      if (byDefault) checkTrialModel(identity, best); // the best trial's file is checked as --single checks it, whatever selection keeps
      const outcome = await exportEnsemble({ study, identity, exp: exp!, candidates: trialFiles, mode, target, rule, out, fallback: byDefault });
      if (outcome.saved) return 0;
      alone = outcome.alone;
    } else if (exp) {
      await retrain(exp, identity, best, target, rule, out, values.refit ? 'refit' : 'retrain');
      return 0;
    }
    if (alone) out.event('alone', { reason: alone }, `  The best trial alone: ${alone}`);
    copyModel(identity, best, target, rule, out);
    return 0;
  } finally {
    await study.close();
  }
}

/** The experiment `caviar tune` recorded with the study (its data, to choose and test an ensemble on, and its settings), if any. */
function experimentRecord(study: Study): { experiment: unknown; source: string } | undefined {
  const data = study.data as { experiment?: unknown; source?: unknown } | undefined;
  return data !== undefined && data.experiment !== undefined && typeof data.source === 'string' ? { experiment: data.experiment, source: data.source } : undefined;
}

/** The trial to export: the best, or the one `--pick`, `--max` and `--min` choose (pick.ts), with a note on where it stands. */
function chosenTrial(study: Study, file: string, pick: number | undefined, max: string | undefined, min: string | undefined): { trial: FrozenTrial; note: string } {
  const trials = study.trials();
  if (!trials.some((t) => t.state === 'complete')) {
    const count = (s: string) => trials.filter((t) => t.state === s).length;
    throw new NothingToExport(`study '${study.name}' in ${file} has no complete trial yet (${trials.length} trials: ` +
      `${count('pruned')} pruned, ${count('failed')} failed, ${count('running')} running); 'caviar tune' runs more`);
  }
  const names = objectiveNames(study);
  if ((max !== undefined || min !== undefined) && !study.isMultiObjective) {
    throw new UsageError(`--max and --min choose among a Pareto front; study '${study.name}' has one objective (its best trial is exported by default, --pick exports another)`);
  }
  if (pick !== undefined && (max !== undefined || min !== undefined)) throw new UsageError('--pick names the trial; leave out --max and --min');
  const bounds = [...(max !== undefined ? parseBounds('--max', max, names) : []), ...(min !== undefined ? parseBounds('--min', min, names) : [])];
  const front = study.bestTrials;
  if (front.length === 0 && pick === undefined) {
    throw new NothingToExport(`study '${study.name}' in ${file} has no feasible complete trial: every complete trial violates a constraint`);
  }
  if (!study.isMultiObjective && pick === undefined) return { trial: front[0], note: '' };
  return pickTrial(study, front, pick, bounds);
}

/**
 * Copies the trial's model file, byte for byte, through a temporary file;
 * first checked to be a readable model that records this study and trial.
 */
function copyModel(study: StudyIdentity, best: FrozenTrial, target: string, rule: OutputRule, out: Output): void {
  const { source, bytes } = checkTrialModel(study, best);
  checkOutputFile(target, rule);
  writeFileAtomically(target, bytes);
  out.event('exported', { path: target, from: source, retrained: false }, `Model copied from ${source}\n  to ${target}`);
}

/** The trial's model file, read once (the bytes checked are the bytes written) and checked to be a readable model of this study and trial. */
function checkTrialModel(study: StudyIdentity, best: FrozenTrial): { source: string; bytes: Uint8Array } {
  const source = best.userAttrs.model;
  if (typeof source !== 'string') {
    throw new NothingToExport(`trial ${best.number} recorded no model file (it was not run by 'caviar tune'); use --retrain to train its parameters again`);
  }
  if (!existsSync(source)) {
    throw new NothingToExport(`trial ${best.number}'s model file ${source} is missing (moved or deleted?); use --retrain to train its parameters again`);
  }
  const bytes = readModelBytes(source);
  const { metadata } = decodeModel(bytes, source);
  try {
    checkModelOrigin(source, metadata, { study, number: best.number, params: best.params });
  } catch (err) {
    throw new NothingToExport(`${(err as Error).message}; nothing exported (use --retrain to train trial ${best.number}'s parameters again)`);
  }
  return { source, bytes };
}

/** The experiment `caviar tune` recorded with the study, for --retrain. */
export function recordedExperiment(study: Study): Experiment {
  const data = experimentRecord(study);
  if (!data) {
    throw new NothingToExport(`study '${study.name}' recorded no experiment (it was not made by 'caviar tune'), so it cannot be retrained; export the trial's model without --retrain`);
  }
  return parseExperiment(data.experiment, data.source);
}

/**
 * Trains the best parameters on the recorded experiment and saves the model.
 * `retrain`: exactly as the trial did (its best epoch kept, as tune.epoch
 * says), so the model is the trial's again. `refit`: on train + dev together
 * for the trial's best epoch count (refit.ts), then tested.
 */
async function retrain(exp: Experiment, study: StudyIdentity, best: FrozenTrial, target: string, rule: OutputRule, out: Output, mode: 'retrain' | 'refit'): Promise<void> {
  await prepareData(exp.data, (name, url) => out.event('download', { name, url }, `Downloading ${name} from ${url} (once, into the cache)`));
  const splits = loadSplits(exp.data, exp.seed);
  const plan = mode === 'refit' ? refitPlan(exp, best, splits) : retrainPlan(exp, best, splits);
  out.event(mode, { experiment: exp.name, source: exp.source, epochs: plan.settings.epochs, examples: plan.data.train.count },
    `${mode === 'refit' ? 'Refitting' : 'Retraining'} trial ${best.number}'s parameters on ${plan.description} (${plan.settings.epochs} epochs, seed ${exp.seed})`);
  const result = await trainRun(plan.settings, plan.data, exp.seed, [], undefined, plan.keepBest);
  if (result.history.stopReason) throw new Error(`${mode === 'refit' ? 'refitting' : 'retraining'} stopped: ${result.history.stopReason}`);
  const bytes = encodeModel(result.model, {
    experiment: exp.name, ...trialModelMetadata(study, best.number, best.params), [mode === 'refit' ? 'refit' : 'retrained']: 'true',
    ...(splits.train.classNames ? { classNames: JSON.stringify(splits.train.classNames) } : {}),
  });
  checkOutputFile(target, rule); // again: training took a while, and the path may have changed meanwhile
  writeFileAtomically(target, bytes);
  const trialTest = typeof best.userAttrs.testAccuracy === 'number' ? best.userAttrs.testAccuracy : undefined;
  out.event('exported', { path: target, retrained: mode === 'retrain', refit: mode === 'refit', testAccuracy: result.test.accuracy, testLoss: result.test.loss, trialTestAccuracy: trialTest ?? null },
    `${mode === 'refit' ? 'Refit' : 'Retrained'} model: test accuracy ${result.test.accuracy.toFixed(4)}` +
      `${trialTest === undefined || mode === 'retrain' ? '' : ` (the trial's own: ${trialTest.toFixed(4)})`}, test loss ${result.test.loss.toFixed(4)}\n  saved to ${target}`);
}
