/**
 * The tuner's own cost per trial: ask, four suggests on a 4-parameter space,
 * tell, with an objective that costs nothing, so what is measured is the
 * sampler plus the storage. Random and TPE, in memory and in SQLite,
 * averaged over trials 1-100 and 900-1000, side by side with Optuna on the
 * same protocol in the same run (Debian's python3-optuna; skipped with a
 * notice when absent).
 *
 *   node --import tsx bench/tuner-speed.ts [--trials 1000] [--no-optuna]
 *
 * Targets (issue 3): SQLite adds at most 2 ms per trial; TPE at trial 1000 at
 * most one tenth of Optuna's time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createStudy } from '../src/tune/study.js';
import { RandomSampler } from '../src/tune/samplers/random.js';
import { TpeSampler } from '../src/tune/samplers/tpe/sampler.js';
import type { Sampler } from '../src/tune/types.js';

const args = process.argv.slice(2);
const trials = Number(args[args.indexOf('--trials') + 1] || 1000) || 1000;
const withOptuna = !args.includes('--no-optuna');
// The two windows: trials 1-100 and the last 100 (900-1000 at the default 1000).
const early: [number, number] = [0, Math.min(100, trials)];
const late: [number, number] = [Math.max(0, trials - 100), trials];

type Row = { who: string; sampler: string; storage: string; early: number; late: number };

/** Samplers to compare. */
async function samplers(): Promise<{ name: string; make: () => Sampler }[]> {
  return [
    { name: 'random', make: (): Sampler => new RandomSampler({ seed: 0 }) },
    { name: 'tpe', make: (): Sampler => new TpeSampler({ seed: 0 }) },
  ];
}

/** Milliseconds per trial, trial by trial, for one sampler and storage. */
async function measure(sampler: Sampler, storage: string, n = trials): Promise<number[]> {
  const study = await createStudy({ storage, sampler, direction: 'minimize' });
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const trial = await study.ask();
    const x = trial.suggestFloat('x', -5, 10);
    const y = trial.suggestFloat('y', 1e-4, 1, { log: true });
    const z = trial.suggestInt('z', 1, 100);
    const c = trial.suggestCategorical('c', ['a', 'b', 'c']);
    await study.tell(trial, x + y + z + (c === 'a' ? 0 : c === 'b' ? 1 : 2));
    times.push(performance.now() - t0);
  }
  await study.close();
  return times;
}

const mean = (xs: number[], [from, to]: [number, number]): number => {
  const part = xs.slice(from, to);
  return part.reduce((a, b) => a + b, 0) / part.length;
};

const OPTUNA = String.raw`
import json, sys, tempfile, time, shutil, os
import optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
n = int(sys.argv[1])
def objective(trial):
    x = trial.suggest_float('x', -5, 10)
    y = trial.suggest_float('y', 1e-4, 1, log=True)
    z = trial.suggest_int('z', 1, 100)
    c = trial.suggest_categorical('c', ['a', 'b', 'c'])
    return x + y + z + {'a': 0, 'b': 1, 'c': 2}[c]
out = {'version': optuna.__version__}
for sampler in ['random', 'tpe']:
    for storage in ['memory', 'sqlite']:
        d = tempfile.mkdtemp()
        url = None if storage == 'memory' else 'sqlite:///' + os.path.join(d, 'optuna.db')
        s = optuna.samplers.RandomSampler(seed=0) if sampler == 'random' else optuna.samplers.TPESampler(seed=0)
        study = optuna.create_study(storage=url, sampler=s)
        times = []
        for i in range(n):
            t0 = time.perf_counter()
            trial = study.ask()
            study.tell(trial, objective(trial))
            times.append((time.perf_counter() - t0) * 1000)
        out[sampler + '/' + storage] = times
        shutil.rmtree(d)
print(json.dumps(out))
`;

/** Optuna's times, or undefined (with a notice) when Python or Optuna is missing. */
function optuna(): { version: string; times: Record<string, number[]> } | undefined {
  if (!withOptuna) return undefined;
  // Debian's python3-optuna lives in the system Python, which a pyenv shim may hide.
  for (const python of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(python, ['-c', 'import optuna'], { encoding: 'utf8' });
    if (probe.status !== 0) continue;
    console.log(`running Optuna (${python}, ${trials} trials x 4 configurations: minutes, mostly TPE on SQLite)...`);
    const run = spawnSync(python, ['-c', OPTUNA, String(trials)], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (run.status !== 0) {
      console.log(`Optuna skipped: it failed: ${run.stderr.trim().split('\n').at(-1)}`);
      return undefined;
    }
    const { version, ...times } = JSON.parse(run.stdout) as { version: string } & Record<string, number[]>;
    return { version, times: times as Record<string, number[]> };
  }
  console.log('Optuna skipped: no python3 with optuna (apt install python3-optuna)');
  return undefined;
}

const rows: Row[] = [];
const dir = mkdtempSync(join(tmpdir(), 'caviar-bench-'));
try {
  for (const { name, make } of await samplers()) {
    // Warm the JIT on both storages first, so the early window measures the tuner, not the compiler.
    await measure(make(), ':memory:', 300);
    await measure(make(), `sqlite:${join(dir, `warm-${name}.db`)}`, 300);
    for (const storage of ['memory', 'sqlite']) {
      const times = await measure(make(), storage === 'memory' ? ':memory:' : `sqlite:${join(dir, `${name}.db`)}`);
      rows.push({ who: 'caviar', sampler: name, storage, early: mean(times, early), late: mean(times, late) });
      console.log(`caviar ${name} ${storage}: done`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const theirs = optuna();
if (theirs) {
  for (const [key, times] of Object.entries(theirs.times)) {
    const [sampler, storage] = key.split('/');
    rows.push({ who: `Optuna ${theirs.version}`, sampler, storage, early: mean(times, early), late: mean(times, late) });
  }
}

const ms = (v: number | undefined): string => (v === undefined ? '-' : v < 1 ? v.toFixed(3) : v.toFixed(2));
const find = (who: string, sampler: string, storage: string) =>
  rows.find((r) => r.who === who && r.sampler === sampler && r.storage === storage);
console.log(`\nTime per trial (ms; ask + 4 suggests + tell, objective free), trials ${early[0] + 1}-${early[1]} and ${late[0] + 1}-${late[1]}:\n`);
console.log('| who | sampler | storage | ms/trial early | ms/trial late | SQLite adds (late) |');
console.log('|---|---|---|---:|---:|---:|');
for (const r of rows) {
  const mem = find(r.who, r.sampler, 'memory');
  const adds = r.storage === 'sqlite' && mem ? ms(r.late - mem.late) : '';
  console.log(`| ${r.who} | ${r.sampler} | ${r.storage} | ${ms(r.early)} | ${ms(r.late)} | ${adds} |`);
}
const overheads = rows
  .filter((r) => r.who === 'caviar' && r.storage === 'sqlite')
  .map((r) => ({ sampler: r.sampler, early: r.early - find('caviar', r.sampler, 'memory')!.early, late: r.late - find('caviar', r.sampler, 'memory')!.late }));
console.log('');
for (const o of overheads) {
  const worst = Math.max(o.early, o.late);
  console.log(`caviar ${o.sampler}: SQLite adds ${ms(o.early)} / ${ms(o.late)} ms per trial (target <= 2 ms): ${worst <= 2 ? 'met' : 'MISSED'}`);
}
const ourTpe = find('caviar', 'tpe', 'memory');
const theirTpe = theirs && find(`Optuna ${theirs.version}`, 'tpe', 'memory');
if (ourTpe && theirTpe) {
  const ratio = ourTpe.late / theirTpe.late;
  console.log(`TPE at the last trials: ${ms(ourTpe.late)} ms vs Optuna ${ms(theirTpe.late)} ms, ${(1 / ratio).toFixed(1)}x faster (target >= 10x): ${ratio <= 0.1 ? 'met' : 'MISSED'}`);
}
