/**
 * Sample efficiency of the tuner's samplers against Optuna's, on one protocol:
 * for each function, each sampler runs `--seeds` studies of `--trials` trials
 * (seeds 0..seeds-1) and we report the median over seeds of the best value
 * found. Optuna's random and TPE samplers (and its GPSampler, where the
 * installed Optuna has one: 3.6 and later) run the same functions and spaces
 * through bench/optuna_efficiency.py in the same run (skipped, with a notice,
 * where Python or Optuna is missing).
 *
 *   node --import tsx bench/tuner-efficiency.ts [--seeds 20] [--trials 50] [--functions branin,hartmann6]
 *     [--samplers random,sobol,coarse-to-fine,tpe,gp,auto] [--timing tpe,gp,auto] [--no-optuna] [--no-timing]
 *
 * Studies run through the real `Study` (src/tune/study.ts) in memory. The
 * run ends with each timed sampler's own cost per proposal over 1,000 trials
 * of a 4-parameter space (TPE at trials 1-100 and 901-1000; every sampler at
 * trials 191-200 and 991-1000), measured on the bare `StudyView` of the
 * tests so that only the sampler is timed (bench/tuner-speed.ts times whole
 * studies, with storage).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Sampler } from '../src/tune/types.js';
import { parseSpace, sampleSpace, type Space, type SpaceSpec } from '../src/tune/space/index.js';
import { createSampler } from '../src/tune/samplers/index.js';
import { createStudy } from '../src/tune/study.js';
import { MemoryStudy } from '../test/tune/helpers.js';

interface BenchFunction {
  readonly name: string;
  readonly optimum: number;
  readonly space: Space;
  readonly f: (p: Record<string, number | string>) => number;
}

const H_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
];
const LR_CENTRE: Record<string, number> = { adam: -3, momentum: -2, sgd: -1 };
const OPT_PENALTY: Record<string, number> = { adam: 0, momentum: 0.25, sgd: 1 };

const uniform = (low: number, high: number) => ({ type: 'float', low, high }) as const;

const FUNCTIONS: readonly BenchFunction[] = [
  {
    name: 'branin',
    optimum: 0.397887,
    space: parseSpace({ x1: uniform(-5, 10), x2: uniform(0, 15) }),
    f: (p) => {
      const x1 = p.x1 as number;
      const x2 = p.x2 as number;
      const b = 5.1 / (4 * Math.PI ** 2);
      const c = 5 / Math.PI;
      const t = 1 / (8 * Math.PI);
      return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
    },
  },
  {
    name: 'hartmann6',
    optimum: -3.32237,
    space: parseSpace(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x${i}`, uniform(0, 1)])) as SpaceSpec),
    f: (p) => {
      let total = 0;
      for (let i = 0; i < 4; i++) {
        let inner = 0;
        for (let j = 0; j < 6; j++) inner += H_A[i][j] * ((p[`x${j}`] as number) - H_P[i][j] * 1e-4) ** 2;
        total += H_ALPHA[i] * Math.exp(-inner);
      }
      return -total;
    },
  },
  {
    // A synthetic "training run": the course's scales (log learning rate, 1 - beta, log-int units)
    // and a categorical optimizer whose best learning rate differs.
    name: 'mlp-like',
    optimum: 0,
    space: parseSpace({
      lr: { type: 'float', low: 1e-5, high: 1, scale: 'log' },
      beta: { type: 'float', low: 0.9, high: 0.999, scale: 'oneMinusBeta' },
      units: { type: 'int', low: 16, high: 512, scale: 'log' },
      optimizer: ['adam', 'momentum', 'sgd'],
    }),
    f: (p) => {
      const opt = p.optimizer as string;
      return (
        (Math.log10(p.lr as number) - LR_CENTRE[opt]) ** 2 +
        (Math.log10(1 - (p.beta as number)) + 2) ** 2 +
        ((Math.log2(p.units as number) - 7) / 2) ** 2 +
        OPT_PENALTY[opt]
      );
    },
  },
  {
    name: 'rosenbrock4',
    optimum: 0,
    space: parseSpace(Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`x${i}`, uniform(-2, 2)])) as SpaceSpec),
    f: (p) => {
      let s = 0;
      for (let i = 0; i < 3; i++) {
        const a = p[`x${i}`] as number;
        const b = p[`x${i + 1}`] as number;
        s += 100 * (b - a * a) ** 2 + (1 - a) ** 2;
      }
      return s;
    },
  },
];

const OUR_SAMPLERS = ['random', 'sobol', 'coarse-to-fine', 'tpe', 'gp', 'auto'] as const;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Best value of one study. */
export async function runStudy(fn: BenchFunction, sampler: Sampler, trials: number): Promise<number> {
  const study = await createStudy({ direction: 'minimize', sampler });
  try {
    await study.optimize((trial) => fn.f(sampleSpace(trial, fn.space) as Record<string, number | string>), { nTrials: trials });
    return study.bestValue;
  } finally {
    await study.close();
  }
}

async function ours(fn: BenchFunction, samplerName: string, seeds: number, trials: number): Promise<{ median: number; seconds: number }> {
  const started = performance.now();
  const bests: number[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    // Five rounds per study.
    const options = samplerName === 'coarse-to-fine' ? { roundSize: Math.max(2, Math.round(trials / 5)) } : {};
    bests.push(await runStudy(fn, createSampler(samplerName, options, seed), trials));
  }
  return { median: median(bests), seconds: (performance.now() - started) / 1000 };
}

function findPython(): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(python, ['-c', 'import optuna'], { encoding: 'utf8' });
    if (probe.status === 0) return python;
  }
  return undefined;
}

function optuna(functions: readonly string[], seeds: number, trials: number): { medians: Record<string, number>; notes: string[] } | string {
  const python = findPython();
  if (python === undefined) return 'Optuna not found (python3 -c "import optuna" failed): Optuna columns skipped';
  const script = join(dirname(fileURLToPath(import.meta.url)), 'optuna_efficiency.py');
  const run = spawnSync(python, [script, '--seeds', String(seeds), '--trials', String(trials), '--functions', functions.join(',')], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (run.status !== 0) return `Optuna run failed: ${run.stderr.trim().split('\n').pop()}`;
  const parsed = JSON.parse(run.stdout) as { optuna: string; medians: Record<string, number>; notes?: string[] };
  console.error(`Optuna ${parsed.optuna} via ${python}`);
  return { medians: parsed.medians, notes: parsed.notes ?? [] };
}

/**
 * CPU milliseconds of each of `total` proposals of sampler `name` on a
 * 4-parameter space (in memory; entry i is trial i + 1).
 */
export function samplerTiming(name: string, total = 1000): number[] {
  const space = parseSpace({
    lr: { type: 'float', low: 1e-5, high: 1, scale: 'log' },
    beta: { type: 'float', low: 0.9, high: 0.999, scale: 'oneMinusBeta' },
    units: { type: 'int', low: 16, high: 512, scale: 'log' },
    dropout: { type: 'float', low: 0, high: 0.5 },
  });
  const study = new MemoryStudy('minimize', createSampler(name, {}, 0));
  const times: number[] = [];
  for (let i = 0; i < total; i++) {
    // CPU time of this thread, so that other processes on a busy machine do not count.
    const t0 = process.cpuUsage();
    const trial = study.ask();
    const p = sampleSpace(trial, space) as Record<string, number>;
    const t1 = process.cpuUsage(t0);
    times.push((t1.user + t1.system) / 1000);
    study.tell(trial, (Math.log10(p.lr) + 3) ** 2 + (Math.log10(1 - p.beta) + 2) ** 2 + (Math.log2(p.units) - 7) ** 2 / 4 + p.dropout);
  }
  return times;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: string): string => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
  };
  const seeds = Number(arg('seeds', '20'));
  const trials = Number(arg('trials', '50'));
  const names = arg('functions', FUNCTIONS.map((f) => f.name).join(',')).split(',');
  const functions = FUNCTIONS.filter((f) => names.includes(f.name));
  const samplers = arg('samplers', OUR_SAMPLERS.join(',')).split(',');

  const theirs = args.includes('--no-optuna') ? 'Optuna skipped (--no-optuna)' : optuna(functions.map((f) => f.name), seeds, trials);
  if (typeof theirs === 'string') console.log(`> ${theirs}`);
  else for (const note of theirs.notes) console.log(`> ${note}`);
  const their = (key: string): number | undefined => (typeof theirs === 'string' ? undefined : theirs.medians[key]);

  const fmt = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(3));
  const header = ['function (optimum)', ...samplers.map((s) => `caviar ${s}`), 'Optuna random', 'Optuna TPE', 'Optuna GP', 'TPE: caviar <= Optuna'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const fn of functions) {
    const row: number[] = [];
    for (const s of samplers) {
      const r = await ours(fn, s, seeds, trials);
      row.push(r.median);
      console.error(`${fn.name} ${s}: median best ${r.median.toFixed(4)} (${r.seconds.toFixed(1)} s)`);
    }
    const theirTpe = their(`${fn.name}/tpe`);
    const ourTpe = samplers.includes('tpe') ? row[samplers.indexOf('tpe')] : undefined;
    const verdict = ourTpe === undefined || theirTpe === undefined ? '-' : ourTpe <= theirTpe ? 'yes' : 'NO';
    lines.push(`| ${fn.name} (${fn.optimum}) | ${[...row.map(fmt), fmt(their(`${fn.name}/random`)), fmt(theirTpe), fmt(their(`${fn.name}/gp`)), verdict].join(' | ')} |`);
  }
  console.log(`\nMedian best value over ${seeds} seeds x ${trials} trials (minimization; lower is better)\n`);
  console.log(lines.join('\n'));
  if (!args.includes('--no-timing')) {
    console.log('\nSampler CPU time per trial (4 parameters, bare in-memory StudyView), ms:\n');
    console.log('| sampler | trials 1-100 | trials 191-200 | trials 901-1000 | trials 991-1000 |\n|---|---:|---:|---:|---:|');
    for (const name of arg('timing', 'tpe,gp,auto').split(',')) {
      const t = samplerTiming(name);
      const cells = [t.slice(0, 100), t.slice(190, 200), t.slice(900, 1000), t.slice(990, 1000)].map((w) => mean(w).toFixed(2));
      console.log(`| ${name} | ${cells.join(' | ')} |`);
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
