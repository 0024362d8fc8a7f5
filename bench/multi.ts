/**
 * Multi-objective samplers against Optuna's, in the same run: caviar's
 * NSGA-II and multi-objective TPE against Optuna's NSGAIISampler and
 * TPESampler(multivariate=True) (bench/optuna_multi.py), on ZDT1 and ZDT2
 * (30 dimensions), DTLZ2 (3 objectives, 12 dimensions) and Binh-Korn (two
 * constraints; C2-DTLZ2 on request). For each sampler and problem: the
 * hypervolume of the feasible trials after 100 and 300 trials, median over
 * seeds, every side scored by caviar's exact hypervolume (multi/hypervolume.ts)
 * against the same reference point; then each sampler's time per trial over
 * a 1,000-trial ZDT1 study.
 *
 *   npm run bench:multi -- [--seeds 20] [--optuna-seeds 20] [--optuna-tpe-seeds 5] [--trials 100,300]
 *     [--problems zdt1,zdt2,dtlz2,binh-korn] [--samplers nsga2,tpe,random] [--no-optuna] [--no-timing]
 *     [--optuna-runs FILE --optuna-runs FILE ...]
 *
 * `--optuna-runs FILE` (repeatable) scores the JSON that `bench/optuna_multi.py`
 * printed in other runs (for Optuna's TPE, too slow to wait for here) with the
 * same code: runs from all files are pooled by problem and sampler, so one file
 * per study will do, and timings (`--timing`) in them join the timing table.
 * Each cell gives the median and, in brackets, the first and third quartiles
 * over seeds.
 *
 * Optuna's TPE costs tens of seconds per 300-trial study here (DTLZ2: over
 * two minutes), so it runs on fewer seeds (`--optuna-tpe-seeds`); the table
 * says how many. caviar's studies run on the vector study of the tests
 * (test/tune/multi/study.ts), a bare StudyView, so the figures time the
 * samplers, not a storage.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Sampler } from '../src/tune/types.js';
import { Nsga2Sampler } from '../src/tune/samplers/nsga2/sampler.js';
import { TpeSampler } from '../src/tune/samplers/tpe/sampler.js';
import { RandomSampler } from '../src/tune/samplers/random.js';
import { hypervolume } from '../src/tune/multi/hypervolume.js';
import { isFeasible } from '../src/tune/multi/constraints.js';
import { VectorStudy } from '../test/tune/multi/study.js';
import { binhKorn, c2dtlz2, dtlz2, zdt, type Problem } from '../test/tune/multi/problems.js';

const PROBLEMS: Record<string, () => Problem> = {
  zdt1: () => zdt(1, 30),
  zdt2: () => zdt(2, 30),
  dtlz2: () => dtlz2(12),
  'binh-korn': binhKorn,
  'c2-dtlz2': () => c2dtlz2(12),
};
const SAMPLERS: Record<string, (seed: number) => Sampler> = {
  nsga2: (seed) => new Nsga2Sampler({ seed }),
  tpe: (seed) => new TpeSampler({ seed }),
  random: (seed) => new RandomSampler({ seed }),
};

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const seeds = Number(option('seeds', '20'));
const optunaSeeds = Number(option('optuna-seeds', String(seeds)));
const optunaTpeSeeds = Number(option('optuna-tpe-seeds', '5'));
const checkpoints = option('trials', '100,300').split(',').map(Number);
const problems = option('problems', 'zdt1,zdt2,dtlz2,binh-korn').split(',');
const samplers = option('samplers', 'nsga2,tpe,random').split(',');
const withOptuna = !process.argv.includes('--no-optuna');
const withTiming = !process.argv.includes('--no-timing');
const maxTrials = Math.max(...checkpoints);

/** A run's trials as [values, feasible], in number order. */
type Rows = [readonly number[], boolean][];

function hypervolumeAt(rows: Rows, n: number, problem: Problem): number {
  const points = rows.slice(0, n).filter(([, feasible]) => feasible).map(([v]) => v);
  return hypervolume(points, problem.reference);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The first and third quartiles (numpy's linear rule): how far one seed's result may land from the median. */
function quartiles(xs: readonly number[]): [number, number] {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => {
    const pos = q * (s.length - 1);
    const lo = Math.floor(pos);
    return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
  };
  return [at(0.25), at(0.75)];
}

function optunaTimingName(name: string, timedFrom: number | undefined): string {
  return `Optuna ${name}${timedFrom !== undefined && timedFrom > 1 ? `, trials 1-${timedFrom - 1} random` : ''}`;
}

function findPython(): string | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) if (spawnSync(python, ['-c', 'import optuna']).status === 0) return python;
  return undefined;
}

/** Runs Optuna in the background while caviar's studies run. */
interface OptunaRun {
  problem: string;
  sampler: string;
  seed: number;
  seconds: number;
  trials: Rows;
}
function optuna(args: string[]): Promise<{ optuna: string; runs: OptunaRun[]; timing?: Record<string, { meanMs: number; last100Ms: number; timedFrom?: number }> } | string> {
  const python = findPython();
  if (python === undefined) return Promise.resolve('Optuna not found (python3 -c "import optuna" failed)');
  const script = join(dirname(fileURLToPath(import.meta.url)), 'optuna_multi.py');
  return new Promise((resolve) => {
    const child = spawn(python, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => resolve(code === 0 ? JSON.parse(out) : `optuna_multi.py exited with ${code}`));
  });
}

const seedList = (n: number) => Array.from({ length: n }, (_, i) => i).join(',');
const pending = withOptuna
  ? Promise.all([
      optuna(['--problems', problems.join(','), '--samplers', 'nsga2', '--seeds', seedList(optunaSeeds), '--trials', String(maxTrials)]),
      ...(optunaTpeSeeds > 0 ? [optuna(['--problems', problems.join(','), '--samplers', 'tpe', '--seeds', seedList(optunaTpeSeeds), '--trials', String(maxTrials)])] : []),
    ])
  : Promise.resolve([]);

// caviar's side: every problem x sampler x seed, hypervolume at each checkpoint.
const table: { problem: string; sampler: string; seeds: number; hv: number[]; iqr: [number, number][]; secondsPerStudy: number }[] = [];
for (const name of problems) {
  const problem = PROBLEMS[name]();
  for (const samplerName of samplers) {
    const byCheckpoint: number[][] = checkpoints.map(() => []);
    const start = performance.now();
    for (let seed = 0; seed < seeds; seed++) {
      const study = new VectorStudy(problem.directions, SAMPLERS[samplerName](seed));
      study.optimize(problem.objective, maxTrials);
      const rows: Rows = study.trials().map((t) => [t.values ?? [t.value!], isFeasible(t)]);
      checkpoints.forEach((n, k) => byCheckpoint[k].push(hypervolumeAt(rows, n, problem)));
    }
    const secondsPerStudy = (performance.now() - start) / 1000 / seeds;
    table.push({ problem: name, sampler: `caviar ${samplerName}`, seeds, hv: byCheckpoint.map(median), iqr: byCheckpoint.map(quartiles), secondsPerStudy });
    console.error(`caviar ${name} ${samplerName}: ${byCheckpoint.map((h) => median(h).toFixed(4)).join(' / ')} (${secondsPerStudy.toFixed(1)} s per study)`);
  }
}

let timing: { sampler: string; meanMs: number; last100Ms: number }[] = [];
if (withTiming) {
  const problem = zdt(1, 30);
  // Each sampler over a whole study; then TPE again with trials 1-900 drawn at random and only
  // 901-1000 proposed, the way Optuna's TPE is timed (optuna_multi.py --timing-after 900).
  const runs: { samplerName: string; after: number }[] = [
    { samplerName: 'nsga2', after: 0 },
    { samplerName: 'tpe', after: 0 },
    { samplerName: 'tpe', after: 900 },
  ];
  for (const { samplerName, after } of runs) {
    const study = new VectorStudy(problem.directions, SAMPLERS[samplerName](0));
    study.optimize(problem.objective, after, SAMPLERS.random(0));
    const marks: number[] = [];
    const start = performance.now();
    for (let i = after; i < 1000; i++) {
      study.optimize(problem.objective, 1);
      if ((i + 1) % 100 === 0) marks.push(performance.now() - start);
    }
    const last = marks.length - 1;
    timing.push({
      sampler: `caviar ${samplerName}${after > 0 ? `, trials 1-${after} random` : ''}`,
      meanMs: marks[last] / (1000 - after),
      last100Ms: (marks[last] - (last > 0 ? marks[last - 1] : 0)) / 100,
    });
  }
}

const results = [...(await pending)];
// Optuna runs saved earlier by optuna_multi.py (its TPE is slow: run it apart, score it here alike).
// One file per study is fine: runs from every file are pooled by problem and sampler.
for (let i = process.argv.indexOf('--optuna-runs'); i >= 0; i = process.argv.indexOf('--optuna-runs', i + 1)) {
  results.push(JSON.parse(readFileSync(process.argv[i + 1], 'utf8')));
}
const notes: string[] = [];
const optunaRuns = new Map<string, OptunaRun[]>();
const versions = new Set<string>();
for (const result of results) {
  if (typeof result === 'string') {
    notes.push(result);
    continue;
  }
  versions.add(result.optuna);
  for (const run of result.runs) optunaRuns.set(`${run.problem}|${run.sampler}`, [...(optunaRuns.get(`${run.problem}|${run.sampler}`) ?? []), run]);
  for (const [name, v] of Object.entries(result.timing ?? {})) timing.push({ sampler: optunaTimingName(name, v.timedFrom), ...v });
}
for (const version of versions) notes.push(`Optuna ${version}`);
for (const [key, runs] of optunaRuns) {
  const [name, samplerName] = key.split('|');
  if (!problems.includes(name)) continue;
  const problem = PROBLEMS[name]();
  const hv = checkpoints.map((n) => runs.map((r) => hypervolumeAt(r.trials, n, problem)));
  table.push({ problem: name, sampler: `Optuna ${samplerName}`, seeds: runs.length, hv: hv.map(median), iqr: hv.map(quartiles), secondsPerStudy: runs.reduce((a, r) => a + r.seconds, 0) / runs.length });
}
if (withOptuna && withTiming) {
  // Optuna's TPE takes about a second per trial near 1,000 trials here: only trials 901-1000 are its own.
  for (const args of [['--samplers', 'nsga2'], ['--samplers', 'tpe', '--timing-after', '900']]) {
    const t = await optuna(['--timing', '1000', ...args]);
    if (typeof t === 'string') notes.push(t);
    else for (const [name, v] of Object.entries(t.timing ?? {})) timing.push({ sampler: optunaTimingName(name, v.timedFrom), ...v });
  }
}

console.log(`Hypervolume of the feasible trials (median over seeds; larger is better), reference points: ${problems.map((p) => `${p} [${PROBLEMS[p]().reference.join(', ')}]`).join('; ')}`);
console.log();
console.log(`| problem | sampler | seeds | ${checkpoints.map((n) => `HV after ${n} (quartiles)`).join(' | ')} | s per study |`);
console.log(`| --- | --- | ---: | ${checkpoints.map(() => '---:').join(' | ')} | ---: |`);
table.sort((a, b) => problems.indexOf(a.problem) - problems.indexOf(b.problem));
for (const row of table) {
  const digits = row.hv[0] > 1000 ? 1 : 3;
  const cells = row.hv.map((h, k) => `${h.toFixed(digits)} (${row.iqr[k].map((q) => q.toFixed(digits)).join('-')})`);
  console.log(`| ${row.problem} | ${row.sampler} | ${row.seeds} | ${cells.join(' | ')} | ${row.secondsPerStudy.toFixed(2)} |`);
}
if (timing.length > 0) {
  console.log();
  console.log('Time per trial, one 1,000-trial ZDT1 study (30 dimensions), sampler and objective together:');
  console.log();
  console.log('| sampler | mean ms per trial timed | ms per trial, trials 901-1000 |');
  console.log('| --- | ---: | ---: |');
  for (const t of timing) console.log(`| ${t.sampler} | ${t.meanMs.toFixed(2)} | ${t.last100Ms.toFixed(2)} |`);
}
if (notes.length > 0) console.log(`\n${notes.join('; ')}`);
