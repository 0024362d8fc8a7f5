/**
 * `caviar best STUDY --export PATH`: the best trial's model, out of the
 * study's folder and into a place of your choosing — a byte-for-byte copy of
 * the file the trial saved, or with `--retrain` a fresh run of the best
 * parameters from the experiment the study recorded.
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadSplits } from '../experiment/data.js';
import { applyParams } from '../experiment/params.js';
import { trainRun } from '../experiment/run.js';
import { parseExperiment } from '../experiment/spec.js';
import { loadModelWithMetadata, saveModel } from '../io/model-file.js';
import type { Study } from '../tune/study.js';
import type { FrozenTrial } from '../tune/types.js';
import { formatParams } from './format.js';
import { writeFileAtomically } from '../util/atomic-write.js';
import { UsageError, type Output } from './output.js';
import { findStudy, shown } from './study-files.js';
import { parseCommandArgs } from './args.js';

export const bestHelp = `Usage: caviar best STUDY --export PATH [options]

Exports the best trial's model of a study: a copy of the model file the
trial saved, or with --retrain a new training run of the best parameters on
the experiment the study recorded (same data, seed and settings).

Options:
  --export PATH     where to write the model (.safetensors); written atomically
  --retrain         train the best parameters again instead of copying
  --storage PATH    the SQLite study file or postgres:// URL (default: every caviar-out/*/study.db)
  --json            one JSON object per event instead of text
  -h, --help        this help

Exit codes: 0 exported; 1 nothing to export (no complete trial, the trial's
model file is gone, training failed); 2 bad usage or no such study.

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
  });
  if (values.help) {
    out.text(bestHelp);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`caviar best needs one STUDY name\n\n${bestHelp}`);
  if (values.export === undefined) throw new UsageError(`caviar best needs --export PATH: where to write the model\n\n${bestHelp}`);
  const target = values.export;
  const { study, file: where } = await findStudy(positionals[0], values.storage);
  const file = shown(where);
  try {
    const best = bestTrial(study, file);
    const test = best.userAttrs.testAccuracy;
    out.event('best', { study: study.name, storage: file, number: best.number, value: best.value, params: best.params, testAccuracy: test ?? null },
      `Best trial of '${study.name}' (${file}): trial ${best.number}, value ${best.value!.toFixed(4)}` +
        `${test === undefined ? '' : `, test accuracy ${Number(test).toFixed(4)}`}\n  ${formatParams(best.params)}`);
    if (values.retrain) await retrain(study, best, target, out);
    else copyModel(best, target, out);
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

/** Copies the trial's model file, checked to be a readable model first, through a temporary file. */
function copyModel(best: FrozenTrial, target: string, out: Output): void {
  const source = best.userAttrs.model;
  if (typeof source !== 'string') {
    throw new NothingToExport(`trial ${best.number} recorded no model file (it was not run by 'caviar tune'); use --retrain to train its parameters again`);
  }
  if (!existsSync(source)) {
    throw new NothingToExport(`trial ${best.number}'s model file ${source} is missing (moved or deleted?); use --retrain to train its parameters again`);
  }
  loadModelWithMetadata(source); // a damaged file fails here, naming itself, before anything is written
  writeFileAtomically(target, readFileSync(source));
  out.event('exported', { path: target, from: source, retrained: false }, `Model copied from ${source}\n  to ${target}`);
}

/** Trains the best parameters on the recorded experiment, as its trial did, and saves the model. */
async function retrain(study: Study, best: FrozenTrial, target: string, out: Output): Promise<void> {
  const data = study.data as { experiment?: unknown; source?: unknown } | undefined;
  if (!data || data.experiment === undefined || typeof data.source !== 'string') {
    throw new NothingToExport(`study '${study.name}' recorded no experiment (it was not made by 'caviar tune'), so it cannot be retrained; export the trial's model without --retrain`);
  }
  const exp = parseExperiment(data.experiment, data.source);
  const settings = applyParams(exp.settings, best.params);
  const splits = loadSplits(exp.data, exp.seed);
  out.event('retrain', { experiment: exp.name, source: exp.source, epochs: settings.epochs },
    `Retraining trial ${best.number}'s parameters on ${splits.description} (${settings.epochs} epochs, seed ${exp.seed})`);
  const result = await trainRun(settings, splits, exp.seed);
  if (result.history.stopReason) throw new Error(`retraining stopped: ${result.history.stopReason}`);
  saveModel(result.model, target, { experiment: exp.name, study: study.name, trial: String(best.number), params: JSON.stringify(best.params) });
  out.event('exported', { path: target, retrained: true, testAccuracy: result.test.accuracy, testLoss: result.test.loss },
    `Retrained model: test accuracy ${result.test.accuracy.toFixed(4)}, test loss ${result.test.loss.toFixed(4)}\n  saved to ${target}`);
}

