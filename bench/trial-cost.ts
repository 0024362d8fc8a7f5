/**
 * The tuner's own CPU time per trial, for side-by-side runs of two versions
 * on a busy machine: random search and TPE, in memory and in SQLite, a
 * four-parameter space and an objective that costs nothing; each figure is
 * the least CPU time per trial over trials 900-1000 of three studies. CPU
 * time, not wall time, because other jobs share the cores; run it from two
 * snapshots in turn (docs/BENCHMARKS.md, "Single-objective studies after
 * issue 17").
 *
 *   node --import tsx bench/trial-cost.ts [LABEL]
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStudy } from '../src/tune/study.js';
import { RandomSampler } from '../src/tune/samplers/random.js';
import { TpeSampler } from '../src/tune/samplers/tpe/sampler.js';
import type { Sampler } from '../src/tune/types.js';

const label = process.argv[2] ?? process.cwd();
const samplers: [string, () => Sampler][] = [['random', () => new RandomSampler({ seed: 0 })], ['tpe', () => new TpeSampler({ seed: 0 })]];
const out: string[] = [];
for (const [name, make] of samplers) {
  for (const kind of ['memory', 'sqlite'] as const) {
    const file = join(tmpdir(), `caviar-trial-cost-${process.pid}.db`);
    const storage = kind === 'memory' ? ':memory:' : file;
    const perTrial: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
      const study = await createStudy({ sampler: make(), storage });
      let from = process.cpuUsage();
      await study.optimize((t) => {
        const x = t.suggestFloat('x', 0, 1);
        t.suggestFloat('y', 0, 1);
        t.suggestInt('z', 1, 9);
        t.suggestCategorical('c', ['a', 'b']);
        if (t.number === 900) from = process.cpuUsage();
        return x;
      }, { nTrials: 1000 });
      const used = process.cpuUsage(from);
      perTrial.push((used.user + used.system) / 1000 / 100);
      await study.close();
    }
    for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
    out.push(`${name}/${kind} ${Math.min(...perTrial).toFixed(3)}`);
  }
}
console.log(`${label}  ${out.join('  ')}  (ms of CPU per trial, trials 900-1000)`);
