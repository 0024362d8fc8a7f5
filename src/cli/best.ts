/**
 * `caviar best STUDY --export PATH`: the best trial's model, out of the
 * study's folder and into a place of your choosing — a byte-for-byte copy of
 * the file the trial saved, or with `--retrain` a fresh run of the best
 * parameters from the experiment the study recorded.
 */
import { existsSync } from 'node:fs';
import { loadSplits } from '../experiment/data.js';
import { applyParams } from '../experiment/params.js';
import { trainRun } from '../experiment/run.js';
import { experimentInputs, parseExperiment, type Experiment } from '../experiment/spec.js';
import { checkModelOrigin, studyIdentity, trialModelMetadata, type StudyIdentity } from '../experiment/trial-model.js';
import { decodeModel, encodeModel, readModelBytes } from '../io/model-file.js';
import { checkOutputFile, type OutputRule } from '../io/output-file.js';
import type { Study } from '../tune/study.js';
import type { FrozenTrial } from '../tune/types.js';
import { formatParams } from './format.js';
import { writeFileAtomically } from '../util/atomic-write.js';
import { UsageError, type Output } from './output.js';
import { findStudy, storageFile } from './study-files.js';
import { parseCommandArgs } from './args.js';
import { redactUrl } from '../util/redact.js';

export const bestHelp = `Usage: caviar best STUDY --export PATH [options]

Exports the best trial's model of a study: a copy of the model file the
trial saved, or with --retrain a new training run of the best parameters on
the experiment the study recorded (same data, seed and settings).

The trial's file must record this study and this trial (every model caviar
tune saves does); a file of another study or trial is refused, never
exported as this one's.

Options:
  --export PATH     where to write the model (.safetensors); written atomically.
                    An existing caviar model there is replaced; a study file,
                    the trial's own file or a folder never is
  --force           replace PATH even when it is not a caviar model
  --retrain         train the best parameters again instead of copying
  --storage PATH    the SQLite study file or postgres:// URL (default: every caviar-out/*/study.db)
  --json            one JSON object per event instead of text
  -h, --help        this help

Exit codes: 0 exported; 1 nothing to export (no complete trial, the trial's
model file is gone or is not this trial's, training failed); 2 bad usage,
no such study, or PATH refused.

Example:
  caviar best quickstart --export quickstart.safetensors`;

/** A study that cannot give what was asked (no complete trial, a missing file): the work failed, exit 1. */
class NothingToExport extends Error {
  override name = 'NothingToExport';
}

export async function bestCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, bestHelp, {
    export: { type: 'string' },
    retrain: { type: 'boolean' },
    storage: { type: 'string' },
    force: { type: 'boolean' },
  });
  if (values.help) {
    out.text(bestHelp);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`caviar best needs one STUDY name\n\n${bestHelp}`);
  if (values.export === undefined) throw new UsageError(`caviar best needs --export PATH: where to write the model\n\n${bestHelp}`);
  const target = values.export;
  const { study, file: where } = await findStudy(positionals[0], values.storage);
  const file = redactUrl(where);
  try {
    const best = bestTrial(study, file);
    const identity = await studyIdentity(study, { record: false });
    // What --export may replace: never the study read, nor the trial's own file (nor, retraining, the experiment's files).
    const exp = values.retrain ? recordedExperiment(study) : undefined;
    const trialFile = typeof best.userAttrs.model === 'string' ? best.userAttrs.model : undefined;
    const rule: OutputRule = {
      flag: '--export', kind: 'model', force: Boolean(values.force), studies: [storageFile(where)],
      inputs: [...(trialFile ? [{ path: trialFile, what: `trial ${best.number}'s model file` }] : []), ...(exp ? experimentInputs(exp) : [])],
    };
    checkOutputFile(target, rule);
    const test = best.userAttrs.testAccuracy;
    out.event('best', { study: study.name, storage: file, number: best.number, value: best.value, params: best.params, testAccuracy: test ?? null },
      `Best trial of '${study.name}' (${file}): trial ${best.number}, value ${best.value!.toFixed(4)}` +
        `${test === undefined ? '' : `, test accuracy ${Number(test).toFixed(4)}`}\n  ${formatParams(best.params)}`);
    if (exp) await retrain(exp, identity, best, target, rule, out);
    else copyModel(identity, best, target, rule, out);
    return 0;
  } finally {
    await study.close();
  }
}

function bestTrial(study: Study, file: string): FrozenTrial {
  const trials = study.trials();
  if (!trials.some((t) => t.state === 'complete')) {
    const count = (s: string) => trials.filter((t) => t.state === s).length;
    throw new NothingToExport(`study '${study.name}' in ${file} has no complete trial yet (${trials.length} trials: ` +
      `${count('pruned')} pruned, ${count('failed')} failed, ${count('running')} running); 'caviar tune' runs more`);
  }
  return study.bestTrial;
}

/**
 * Copies the trial's model file, byte for byte, through a temporary file;
 * first checked to be a readable model that records this study and trial.
 */
function copyModel(study: StudyIdentity, best: FrozenTrial, target: string, rule: OutputRule, out: Output): void {
  const source = best.userAttrs.model;
  if (typeof source !== 'string') {
    throw new NothingToExport(`trial ${best.number} recorded no model file (it was not run by 'caviar tune'); use --retrain to train its parameters again`);
  }
  if (!existsSync(source)) {
    throw new NothingToExport(`trial ${best.number}'s model file ${source} is missing (moved or deleted?); use --retrain to train its parameters again`);
  }
  // One read: the bytes checked are the bytes written. A damaged file, or another study's or trial's, fails here.
  const bytes = readModelBytes(source);
  const { metadata } = decodeModel(bytes, source);
  try {
    checkModelOrigin(source, metadata, { study, number: best.number, params: best.params });
  } catch (err) {
    throw new NothingToExport(`${(err as Error).message}; nothing exported (use --retrain to train trial ${best.number}'s parameters again)`);
  }
  checkOutputFile(target, rule);
  writeFileAtomically(target, bytes);
  out.event('exported', { path: target, from: source, retrained: false }, `Model copied from ${source}\n  to ${target}`);
}

/** The experiment `caviar tune` recorded with the study, for --retrain. */
function recordedExperiment(study: Study): Experiment {
  const data = study.data as { experiment?: unknown; source?: unknown } | undefined;
  if (!data || data.experiment === undefined || typeof data.source !== 'string') {
    throw new NothingToExport(`study '${study.name}' recorded no experiment (it was not made by 'caviar tune'), so it cannot be retrained; export the trial's model without --retrain`);
  }
  return parseExperiment(data.experiment, data.source);
}

/** Trains the best parameters on the recorded experiment, as its trial did, and saves the model. */
async function retrain(exp: Experiment, study: StudyIdentity, best: FrozenTrial, target: string, rule: OutputRule, out: Output): Promise<void> {
  const settings = applyParams(exp.settings, best.params);
  const splits = loadSplits(exp.data, exp.seed);
  out.event('retrain', { experiment: exp.name, source: exp.source, epochs: settings.epochs },
    `Retraining trial ${best.number}'s parameters on ${splits.description} (${settings.epochs} epochs, seed ${exp.seed})`);
  const result = await trainRun(settings, splits, exp.seed);
  if (result.history.stopReason) throw new Error(`retraining stopped: ${result.history.stopReason}`);
  const bytes = encodeModel(result.model, { experiment: exp.name, ...trialModelMetadata(study, best.number, best.params), retrained: 'true' });
  checkOutputFile(target, rule); // again: training took a while, and the path may have changed meanwhile
  writeFileAtomically(target, bytes);
  out.event('exported', { path: target, retrained: true, testAccuracy: result.test.accuracy, testLoss: result.test.loss },
    `Retrained model: test accuracy ${result.test.accuracy.toFixed(4)}, test loss ${result.test.loss.toFixed(4)}\n  saved to ${target}`);
}

