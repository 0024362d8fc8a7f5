/**
 * `caviar best STUDY --ensemble K|auto --export PATH`: several trials' models
 * as one. Each candidate's file is checked to be that trial's (as a single
 * export is), its dev and test probabilities are computed once, and the
 * members are the top K trials (uniform weights) or those greedy selection
 * picks on dev (ensemble-selection.ts). The file saved is an `Ensemble`
 * (model-file.ts), which `caviar predict`, `caviar export` and the dashboard
 * read like a single network.
 *
 * It is also what `caviar best` exports by default (`fallback`): then, where
 * an ensemble cannot be chosen (the data cannot be read, there is no dev
 * set) or greedy selection keeps the best trial alone, nothing is written
 * and the caller copies the best trial's own file instead.
 */
import { existsSync, statSync } from 'node:fs';
import { loadSplits, prepareData } from '../experiment/data.js';
import { selectEnsemble, topK, type Selection } from '../experiment/ensemble-selection.js';
import type { Experiment } from '../experiment/spec.js';
import { checkModelOrigin, type StudyIdentity } from '../experiment/trial-model.js';
import { decodeModel, encodeModel, readModelBytes } from '../io/model-file.js';
import { checkOutputFile, type OutputRule } from '../io/output-file.js';
import { Ensemble, scoreProbabilities } from '../nn/ensemble.js';
import type { Sequential } from '../nn/model.js';
import type { Study } from '../tune/study.js';
import type { FrozenTrial } from '../tune/types.js';
import { writeFileAtomically } from '../util/atomic-write.js';
import { NothingToExport, type Output } from './output.js';

export interface EnsembleRequest {
  readonly study: Study;
  readonly identity: StudyIdentity;
  readonly exp: Experiment;
  /** The best trials, best first: the top K, or the library greedy selection chooses from. */
  readonly candidates: readonly FrozenTrial[];
  readonly mode: number | 'auto';
  readonly target: string;
  readonly rule: OutputRule;
  readonly out: Output;
  /** The default export: say why not (`{ alone }`) instead of failing or saving an ensemble of one. */
  readonly fallback?: boolean;
}

/** What was done: saved, or (with `fallback`) why the best trial alone is the better file. */
export type EnsembleOutcome = { readonly saved: true } | { readonly saved: false; readonly alone: string };

interface Candidate {
  readonly trial: FrozenTrial;
  readonly model: Sequential;
  readonly classNames?: string;
  readonly dev: Float32Array;
}

export async function exportEnsemble(req: EnsembleRequest): Promise<EnsembleOutcome> {
  const { study, identity, exp, mode, target, rule, out, fallback = false } = req;
  if (typeof mode === 'number' && req.candidates.length < mode) {
    throw new NothingToExport(`--ensemble ${mode}: study '${study.name}' has ${req.candidates.length} complete trial${req.candidates.length === 1 ? '' : 's'}; ask for at most that many`);
  }
  let read: Awaited<ReturnType<typeof readCandidates>>;
  try {
    read = await readCandidates(req);
  } finally {
    out.progress?.('');
  }
  if ('alone' in read) return { saved: false, alone: read.alone };
  const { splits, candidates } = read;
  const classes = candidates[0].model.classes;
  const metric = exp.tune?.metric ?? 'devAccuracy';
  const selection: Selection = mode === 'auto'
    ? selectEnsemble(candidates.map((c) => c.dev), splits.dev.y, classes, { metric })
    : topK(candidates.map((c) => c.dev), splits.dev.y, classes, mode);
  const chosen = candidates.flatMap((c, k) => (selection.counts[k] > 0 ? [{ ...c, count: selection.counts[k] }] : []));
  if (fallback && chosen.length === 1) {
    // One network is no ensemble: the study's best trial, which selection's tie-breaking may not have started from.
    return { saved: false, alone: `greedy selection on dev among the best ${candidates.length} kept one trial${chosen[0] === candidates[0] ? '' : ` (trial ${chosen[0].trial.number}, tied with the best on dev)`}` };
  }
  const ensemble = new Ensemble(chosen.map((c) => c.model), chosen.map((c) => c.count));
  // The test set is read only for the members and the best trial: selection looked at dev alone.
  const test = ensemble.evaluate(splits.test.x, splits.test.y);
  const single = candidates[0];
  const singleDev = scoreProbabilities(single.dev, splits.dev.y, classes);
  const singleTest = single.model.evaluate(splits.test.x, splits.test.y);

  const members = chosen.map((c, k) => ({ trial: c.trial.number, weight: ensemble.weights[k] }));
  const bytes = encodeModel(ensemble, {
    experiment: exp.name, study: identity.name, studyUid: identity.uid,
    trials: JSON.stringify(members.map((m) => m.trial)),
    selection: mode === 'auto' ? `greedy on dev from the top ${candidates.length}` : `top ${mode}, equal weights`,
    ...(single.classNames ? { classNames: single.classNames } : {}),
  });
  checkOutputFile(target, rule); // again: loading and scoring took a while
  writeFileAtomically(target, bytes);
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  const singleBytes = statSync(String(single.trial.userAttrs.model)).size;
  out.event('ensemble', {
    path: target, members, selection: mode === 'auto' ? 'greedy' : 'top-k', candidates: candidates.length,
    devAccuracy: selection.dev.accuracy, testAccuracy: test.accuracy, devLoss: selection.dev.loss, testLoss: test.loss, bytes: bytes.length,
    best: { trial: single.trial.number, devAccuracy: singleDev.accuracy, testAccuracy: singleTest.accuracy, bytes: singleBytes },
  }, [
    `Ensemble of ${chosen.length} trial${chosen.length === 1 ? '' : 's'} (${mode === 'auto' ? `greedy selection on dev among the best ${candidates.length}` : `the top ${mode}, equal weights`}):`,
    `  ${members.map((m) => `trial ${m.trial} x${m.weight.toFixed(2)}`).join(', ')}`,
    `                 dev accuracy  test accuracy`,
    `  ensemble       ${pct(selection.dev.accuracy).padStart(12)}  ${pct(test.accuracy).padStart(13)}${mode === 'auto' ? '   (dev chose it: its test accuracy is the honest one)' : ''}`,
    `  best trial ${String(single.trial.number).padEnd(4)}${pct(singleDev.accuracy).padStart(12)}  ${pct(singleTest.accuracy).padStart(13)}`,
    `  saved to ${target} (${megabytes(bytes.length)}; the best trial alone is ${megabytes(singleBytes)}${fallback ? `: caviar best ${study.name} --single` : ''})`,
  ].join('\n'));
  return { saved: true };
}

function megabytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

/**
 * The data and each candidate's model with its dev probabilities, computed
 * once; with `fallback`, why the best trial alone is exported instead where
 * there is no data to choose on. Takes seconds on Fashion-MNIST: a terminal
 * shows which trial it is at.
 */
async function readCandidates(req: EnsembleRequest): Promise<{ splits: ReturnType<typeof loadSplits>; candidates: Candidate[] } | { alone: string }> {
  const { exp, identity, mode, out, fallback = false } = req;
  out.progress?.(`Choosing an ensemble: reading ${exp.name}'s data`);
  let splits: ReturnType<typeof loadSplits>;
  try {
    await prepareData(exp.data, (name, url) => out.event('download', { name, url }, `Downloading ${name} from ${url} (once, into the cache)`));
    splits = loadSplits(exp.data, exp.seed);
  } catch (err) {
    // An explicit --ensemble needs the data; the default export can still copy the best trial's file without it.
    if (!fallback) throw err;
    return { alone: `the experiment's data could not be read to choose an ensemble (${(err as Error).message})` };
  }
  if (splits.dev.count === 0) {
    const noDev = 'the experiment has no dev set (data.dev: 0), so there is nothing to choose or check an ensemble on';
    if (fallback) return { alone: noDev };
    throw new NothingToExport(noDev);
  }
  const candidates: Candidate[] = [];
  for (const [k, trial] of req.candidates.entries()) {
    out.progress?.(`Choosing an ensemble: trial ${trial.number} on dev (${k + 1} of ${req.candidates.length})`);
    const model = trialModel(identity, trial, mode === 'auto', out);
    if (model) candidates.push({ trial, ...model, dev: model.model.predict(splits.dev.x) });
  }
  if (candidates.length === 0) throw new NothingToExport('none of the best trials has its model file; use --retrain on the best trial instead');
  return { splits, candidates };
}

/**
 * A candidate trial's model, checked to be that trial's. With `skip`
 * (greedy selection), a trial whose file is gone or not its own is left out
 * with a notice; for the top K every member must be there.
 */
function trialModel(study: StudyIdentity, trial: FrozenTrial, skip: boolean, out: Output): { model: Sequential; classNames?: string } | undefined {
  const source = trial.userAttrs.model;
  let problem: string | undefined;
  if (typeof source !== 'string') problem = `trial ${trial.number} recorded no model file`;
  else if (!existsSync(source)) problem = `trial ${trial.number}'s model file ${source} is missing`;
  else {
    try {
      const { model, metadata } = decodeModel(readModelBytes(source), source);
      checkModelOrigin(source, metadata, { study, number: trial.number, params: trial.params });
      return { model, ...(metadata.classNames ? { classNames: metadata.classNames } : {}) };
    } catch (err) {
      problem = (err as Error).message;
    }
  }
  if (!skip) throw new NothingToExport(`${problem}; nothing exported`);
  out.event('skipped', { trial: trial.number, reason: problem }, `  left out: ${problem}`);
  return undefined;
}
