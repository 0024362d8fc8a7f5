/**
 * Studies for the dashboard's tests, made fast through the Storage API: no
 * training, just trials with the parameters, intermediate values, curves and
 * attributes a real `caviar tune` records, on every scale the page draws.
 */
import type { Storage } from '../../src/tune/storage/storage.js';
import type { Distribution } from '../../src/tune/types.js';
import { COARSE_TO_FINE_ATTR } from '../../src/tune/samplers/coarse-to-fine.js';
import { studyUid, trialModelMetadata } from '../../src/experiment/trial-model.js';
import { saveModel } from '../../src/io/model-file.js';
import { dense } from '../../src/nn/config.js';
import { Sequential } from '../../src/nn/model.js';

export const SPACE: Record<string, Distribution> = {
  learningRate: { type: 'float', low: 1e-4, high: 1, scale: 'log' },
  beta: { type: 'float', low: 0.9, high: 0.999, scale: 'oneMinusBeta' },
  hiddenUnits: { type: 'int', low: 16, high: 256, step: 1, scale: 'log' },
  batchSize: { type: 'categorical', choices: [32, 64, 128, 256] },
  dropout: { type: 'float', low: 0, high: 0.5, scale: 'linear' },
};

/** A small seeded generator, so a fixture is the same every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FixtureOptions {
  readonly name?: string;
  readonly trials?: number;
  readonly epochs?: number;
  /** Leave the last trial running (with a heartbeat off, so nothing fails it as stale). */
  readonly running?: boolean;
  /** Record coarse-to-fine regions on the study. */
  readonly regions?: boolean;
  /** Save a small model for trial 0 at this path (recording the study and trial, as caviar tune does) and name it in its model attribute. */
  readonly modelPath?: string;
  /** Trial 0's `interventions` attribute (what a person changed, by step). */
  readonly interventions?: readonly unknown[];
  readonly seed?: number;
}

/**
 * Creates a study of `trials` trials (default 40): about one in five pruned
 * half way, one failed, the rest complete with a value that depends mostly on
 * the learning rate (so importance has something to find). Returns the study id.
 *
 * @example const id = await makeStudy(storage, { name: 'demo', trials: 10_000 });
 */
export async function makeStudy(storage: Storage, options: FixtureOptions = {}): Promise<number> {
  const random = rng(options.seed ?? 1);
  const n = options.trials ?? 40;
  const epochs = options.epochs ?? 12;
  const study = await storage.createStudy({ name: options.name ?? 'demo', direction: 'maximize', userAttrs: { experiment: 'fixture', metric: 'devAccuracy' } });
  for (let i = 0; i < n; i++) {
    const trial = (await storage.claimTrial(study.id, { heartbeat: false }))!;
    const u = () => random();
    const lr = 10 ** (-4 + 4 * u());
    const beta = 1 - 10 ** (-3 + 2 * u());
    const hiddenUnits = Math.round(10 ** (Math.log10(16) + (Math.log10(256) - Math.log10(16)) * u()));
    const batchSize = [32, 64, 128, 256][Math.floor(u() * 4)];
    const dropout = 0.5 * u();
    const quality = 0.95 - 0.25 * Math.abs(Math.log10(lr) + 2.5) / 2 - 0.05 * dropout + 0.02 * u();
    const pruned = i > 5 && i % 5 === 3;
    const running = options.running && i === n - 1;
    const failed = i === 4;
    const last = pruned ? Math.floor(epochs / 2) : running ? 3 : epochs;
    const intermediate: [number, number][] = [];
    const curves = [];
    for (let e = 1; e <= last; e++) {
      const dev = quality * (1 - Math.exp(-e / 3)) + 0.01 * u();
      intermediate.push([e, dev]);
      curves.push({ epoch: e, loss: 1.5 * Math.exp(-e / 4) + 0.1, accuracy: dev + 0.02, devLoss: 1.6 * Math.exp(-e / 4) + 0.15, devAccuracy: dev, learningRate: lr });
    }
    const params = { learningRate: lr, beta, hiddenUnits, batchSize, dropout };
    if (i === 0 && options.modelPath) {
      saveModel(new Sequential({ inputSize: 2, layers: [dense(3)] }, { seed: 1 }), options.modelPath, trialModelMetadata({ name: study.name, uid: studyUid(study) }, trial.number, params));
    }
    await storage.updateTrial(trial.id, {
      params: Object.entries(params).map(([name, value]) => ({ name, value, distribution: SPACE[name] })),
      intermediate,
      userAttrs: {
        curves,
        ...(i === 0 && options.modelPath ? { model: options.modelPath } : {}),
        ...(i === 0 && options.interventions ? { interventions: options.interventions } : {}),
        // The epoch whose weights a trial kept (tune.epoch: best): here its last, whose value is the trial's.
        ...(i === 0 && !pruned && !running && !failed ? { bestEpoch: intermediate.length } : {}),
        ...(!pruned && !running && !failed ? { testAccuracy: intermediate[intermediate.length - 1][1] - 0.01, trainSeconds: 1 + u() } : {}),
      },
      ...(running ? {} : {
        finish: failed
          ? { state: 'failed' as const, reason: 'Error: the fixture failed this one on purpose' }
          : pruned
            ? { state: 'pruned' as const, value: intermediate[intermediate.length - 1][1] }
            : { state: 'complete' as const, value: intermediate[intermediate.length - 1][1] },
      }),
    });
  }
  if (options.regions) {
    await storage.updateStudy(study.id, {
      systemAttrs: {
        [COARSE_TO_FINE_ATTR]: [
          { round: 0, startTrial: 0, fromTrials: 0, topTrials: 0, params: {} },
          { round: 1, startTrial: Math.floor(n / 3), fromTrials: Math.floor(n / 3), topTrials: 4, params: {
            learningRate: { type: 'numeric', internal: { low: -3.5, high: -1.5 }, low: 10 ** -3.5, high: 10 ** -1.5 },
            beta: { type: 'numeric', internal: { low: -2.5, high: -1.2 }, low: 1 - 10 ** -1.2, high: 1 - 10 ** -2.5 },
          } },
          { round: 2, startTrial: Math.floor((2 * n) / 3), fromTrials: Math.floor((2 * n) / 3), topTrials: 4, params: {
            learningRate: { type: 'numeric', internal: { low: -3, high: -2 }, low: 1e-3, high: 1e-2 },
            beta: { type: 'numeric', internal: { low: -2.2, high: -1.5 }, low: 1 - 10 ** -1.5, high: 1 - 10 ** -2.2 },
          } },
        ],
      },
    });
  }
  return study.id;
}

/**
 * A population-based training study as `caviar tune` with `tune.pbt` records
 * it: `population` members, `generations` segments each; after each
 * generation the bottom half copies the best member (origin reason
 * `exploit`), the others go on from their own checkpoint (`continue`).
 * Returns how many segments exploited.
 */
export async function makePbtStudy(storage: Storage, name: string, population = 4, generations = 3): Promise<number> {
  const random = rng(7);
  const study = await storage.createStudy({ name, direction: 'maximize' });
  let previous: { number: number; value: number }[] = [];
  let exploits = 0;
  for (let g = 0; g < generations; g++) {
    const ranked = [...previous.keys()].sort((a, b) => previous[b].value - previous[a].value);
    const current: { number: number; value: number }[] = [];
    for (let m = 0; m < population; m++) {
      const trial = (await storage.claimTrial(study.id, { heartbeat: false }))!;
      const exploit = g > 0 && ranked.indexOf(m) >= population / 2;
      const parent = g === 0 ? undefined : previous[exploit ? ranked[0] : m];
      if (exploit) exploits++;
      const value = 0.6 + 0.1 * g + 0.1 * random();
      await storage.updateTrial(trial.id, {
        params: [{ name: 'learningRate', value: 10 ** (-3 + random()), distribution: SPACE.learningRate }],
        intermediate: [[(g + 1) * 2, value]],
        systemAttrs: {
          pbt: { member: m, generation: g, untilStep: (g + 1) * 2 },
          ...(parent ? { origin: { checkpointId: 1000 + parent.number, trial: parent.number, step: g * 2, reason: exploit ? 'exploit' : 'continue' } } : {}),
        },
        finish: { state: 'complete', value },
      });
      current.push({ number: trial.number, value });
    }
    previous = current;
  }
  return exploits;
}
