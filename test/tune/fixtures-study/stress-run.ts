// One process of the executor stress test: runs `checked-objective.ts` in
// worker threads on an in-memory study (or a SQLite file given as the third
// argument) and prints every trial's state, parameters and value as JSON.
import { createStudy } from '../../../src/tune/study.js';
import { PercentilePruner } from '../../../src/tune/pruners/index.js';
import { RandomSampler } from '../../../src/tune/samplers/index.js';

const [trials, concurrency, storage] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const study = await createStudy({
  ...(storage ? { storage } : {}),
  sampler: new RandomSampler({ seed: process.pid }),
  // Prunes about one trial in ten at each step: shouldPrune answers both ways, between the suggests.
  pruner: new PercentilePruner(90, { nStartupTrials: 50 }),
});
await study.optimize({ module: new URL('./checked-objective.ts', import.meta.url).pathname }, { nTrials: trials, concurrency });
process.stdout.write(JSON.stringify(study.trials().map((t) => ({ number: t.number, state: t.state, params: t.params, value: t.value ?? null, failReason: t.systemAttrs.failReason ?? null }))));
await study.close();
