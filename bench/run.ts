/**
 * `npm run bench`: the training-speed benchmark of docs/BENCHMARKS.md in one
 * run, every measurement in its own child process, interleaved for
 * `--rounds` rounds so that ratios are measured side by side:
 *   - GEMM GFLOP/s of the three product forms per caviar backend
 *     (bench/gemm.ts) beside numpy's BLAS (bench/gemm_numpy.py);
 *   - one Fashion-MNIST epoch (784-256-128-10, batch norm, ReLU, softmax CE,
 *     Adam, batch 128, one thread) per caviar backend (bench/fashion-mnist.ts;
 *     the reference backend on a `--reference-train` subset), PyTorch
 *     (bench/pytorch_fashion_mnist.py, one thread) and TensorFlow.js-wasm
 *     (bench/tfjs.ts, a fixed number of batches, extrapolated), each skipped
 *     with a notice when absent;
 *   - peak RSS of each training process (/usr/bin/time, else none);
 *   - then the machine's own ceiling for two processes and two trainings in
 *     parallel (bench/parallel.ts) unless --no-parallel.
 * Prints markdown tables, or with --json one JSON object per measurement:
 * {"system", "backend", "samplesPerSec", "gflops", "peakRssMb"} (plus "form"
 * for GEMM rows, "round", and notes).
 *
 *   node --import tsx bench/run.ts [--json] [--rounds 2] [--reference-train 6000] [--tfjs-batches 60] [--no-parallel]
 *
 * PyTorch and numpy run with /usr/bin/python3 on the system's BLAS
 * (libblas.so.3: on Debian, OpenBLAS once `apt-get install
 * libopenblas0-pthread` has registered it as that alternative), one thread,
 * OPENBLAS_CORETYPE=SkylakeX on a CPU with AVX-512 unless it is set already
 * (OpenBLAS 0.3.21 picks its Haswell kernels there otherwise), and with the
 * libblas.so.3 of the folder $CAVIAR_OPENBLAS_DIR names in front, if set
 * (LD_LIBRARY_PATH). Which BLAS they ran on is read in the Python process
 * itself (bench/blas_info.py: the library that provides the sgemm_ torch or
 * numpy calls) and printed; on the reference (netlib) BLAS, about ten times
 * slower than OpenBLAS, no ratio against PyTorch is printed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableBackends } from '../src/backend/index.js';
import { fashionMnistAvailable } from '../src/data/fashion-mnist.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const json = process.argv.includes('--json');
const rounds = option('rounds', 2);
const referenceTrain = option('reference-train', 6000);
const tfjsBatches = option('tfjs-batches', 60);
const python = '/usr/bin/python3';
/** A folder whose libblas.so.3 PyTorch and numpy should load instead of the system's (optional). */
const openblasDir = process.env.CAVIAR_OPENBLAS_DIR;
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const tmp = mkdtempSync(join(tmpdir(), 'caviar-bench-'));

interface Row {
  system: string; backend: string; samplesPerSec: number | null; gflops: number | null; peakRssMb: number | null;
  round: number; form?: string; note?: string;
  /** GFLOP/s over the process's CPU time rather than wall-clock time (see bench/gemm.ts). */
  cpuGflops?: number;
}
const rows: Row[] = [];
const notices: string[] = [];
function notice(line: string): void {
  if (!notices.includes(line)) { notices.push(line); console.error(line); }
}
function emit(row: Row): void {
  rows.push(row);
  if (json) console.log(JSON.stringify(row));
}

/** Python's environment: one thread, OpenBLAS's AVX-512 kernels where the CPU has them, $CAVIAR_OPENBLAS_DIR in front if set. */
function pythonEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  if (env.OPENBLAS_CORETYPE === undefined && hasAvx512()) env.OPENBLAS_CORETYPE = 'SkylakeX';
  delete env.OPENBLAS_L2_SIZE;
  if (openblasDir !== undefined) {
    if (!existsSync(join(openblasDir, 'libblas.so.3'))) throw new Error(`CAVIAR_OPENBLAS_DIR=${openblasDir} holds no libblas.so.3`);
    env.LD_LIBRARY_PATH = [openblasDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  }
  return env;
}

function hasAvx512(): boolean {
  try {
    return /^flags\s*:.*\bavx512f\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

/** The BLAS a Python module (torch, numpy) runs on in this environment, as bench/blas_info.py reads it. */
interface Blas { kind: string; library: string; detail: string }
function blasOf(module: string): Blas {
  const r = spawnSync(python, ['bench/blas_info.py', module], { env: pythonEnv(), encoding: 'utf8' });
  return r.status === 0 ? (JSON.parse(r.stdout) as Blas) : { kind: 'unknown', library: '', detail: r.stderr.trim().split('\n').pop() ?? '' };
}
const BLAS_NAMES: Record<string, string> = { openblas: 'OpenBLAS', mkl: 'MKL', blis: 'BLIS', atlas: 'ATLAS', reference: 'the reference (netlib) BLAS', unknown: 'an unknown BLAS' };
const describeBlas = (b: Blas) => `${BLAS_NAMES[b.kind] ?? b.kind}${b.library ? ` (${[b.library, b.detail].filter(Boolean).join(': ')})` : ''}`;
const INSTALL_OPENBLAS = 'apt-get install libopenblas0-pthread (Debian registers it as libblas.so.3), or set CAVIAR_OPENBLAS_DIR to a folder holding OpenBLAS\'s libblas.so.3';

/** Runs a child, under /usr/bin/time when present; returns its stdout lines that are JSON objects and its peak RSS. */
function child(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): { objects: Array<Record<string, unknown>>; stdout: string; peakRssMb: number | null } {
  const rssFile = join(tmp, 'rss');
  rmSync(rssFile, { force: true });
  const [cmd, argv] = timeBin ? [timeBin, ['-f', '%M', '-o', rssFile, command, ...args]] : [command, args];
  const result = spawnSync(cmd, argv, { env, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.slice(-2000)}`);
  const objects = result.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const kb = timeBin && existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) : NaN;
  return { objects, stdout: result.stdout, peakRssMb: Number.isFinite(kb) ? Math.round(kb / 1024) : null };
}
const tsx = (script: string, ...args: string[]) => ['--import', 'tsx', script, ...args];

const hasTorch = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const hasTfjs = existsSync('node_modules/@tensorflow/tfjs') && existsSync('node_modules/@tensorflow/tfjs-backend-wasm');
const hasNumpy = spawnSync(python, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
if (!hasTorch) notice(`notice: PyTorch skipped (${python} cannot import torch; apt-get install python3-torch)`);
if (!hasTfjs) notice('notice: TensorFlow.js skipped (@tensorflow/tfjs and @tensorflow/tfjs-backend-wasm not installed; npm install)');
if (!hasNumpy) notice(`notice: numpy GEMM skipped (${python} cannot import numpy)`);
// What PyTorch will run on, said before anything is measured; a ratio against the reference BLAS would flatter caviar tenfold.
const torchBlas = hasTorch ? blasOf('torch') : undefined;
if (torchBlas) notice(`PyTorch runs on ${describeBlas(torchBlas)}`);
if (torchBlas?.kind === 'reference') {
  notice(`notice: PyTorch is on the reference (netlib) BLAS, about ten times slower than OpenBLAS: its speed is measured, but no ratio against it is printed. Install OpenBLAS: ${INSTALL_OPENBLAS}`);
}
const data = fashionMnistAvailable();
if (!data) notice('notice: training skipped: Fashion-MNIST not found (apt-get install dataset-fashion-mnist)');
let blasKernel = hasNumpy ? describeBlas(blasOf('numpy')) : 'none';
const load = loadavg().map((v) => v.toFixed(2)).join(', ');
if (!json) console.error(`load average at start: ${load}`);

try {
  for (let round = 1; round <= rounds; round++) {
    // Matrix products: caviar's backends, then numpy's OpenBLAS.
    for (const o of child(process.execPath, tsx('bench/gemm.ts', '--json')).objects) {
      emit({ system: 'caviar', backend: String(o.backend), form: String(o.form), samplesPerSec: null, gflops: Number(o.gflops), cpuGflops: Number(o.cpuGflops), peakRssMb: null, round });
    }
    if (hasNumpy) {
      for (const o of child(python, ['bench/gemm_numpy.py'], pythonEnv()).objects) {
        blasKernel = String(o.kernel);
        emit({ system: 'numpy', backend: String(o.backend), form: String(o.form), samplesPerSec: null, gflops: Number(o.gflops), cpuGflops: Number(o.cpuGflops), peakRssMb: null, round, note: blasKernel });
      }
    }
    if (!data) continue;
    // One epoch per caviar backend, each in its own process.
    for (const backend of availableBackends()) {
      const subset = backend === 'reference' ? ['--train', String(referenceTrain)] : [];
      const r = child(process.execPath, tsx('bench/fashion-mnist.ts', '--epochs', '1', '--json', ...subset), { ...process.env, CAVIAR_BACKEND: backend });
      const o = r.objects[r.objects.length - 1];
      emit({
        system: 'caviar', backend: String(o.backend), samplesPerSec: Number(o.samplesPerSec), gflops: null, peakRssMb: r.peakRssMb, round,
        note: `test accuracy ${(100 * Number(o.testAccuracy)).toFixed(2)}%, ${Number(o.samplesPerCpuSecond).toLocaleString('en-US')} samples per CPU second ` +
          `(CPU share ${Number(o.cpuShare).toFixed(2)})${subset.length ? `, ${referenceTrain}-sample subset` : ''}`,
      });
    }
    if (hasTorch) {
      // The PyTorch script as it is, then the BLAS that ran in the same process.
      const wrapper = [
        'import sys, runpy, json', "sys.argv = ['bench/pytorch_fashion_mnist.py', '1']", "runpy.run_path(sys.argv[0], run_name='__main__')",
        "sys.path.insert(0, 'bench')", 'import blas_info', "print('blas', json.dumps(blas_info.blas_in_use('torch')))",
      ].join('\n');
      const r = child(python, ['-c', wrapper], pythonEnv());
      const m = /^pytorch (\S+) epoch \d+ loss \S+ acc (\S+) (\d+) samples\/s/m.exec(r.stdout);
      const blasLine = /^blas (.*)$/m.exec(r.stdout)?.[1];
      const blas: Blas = blasLine ? (JSON.parse(blasLine) as Blas) : { kind: 'unknown', library: '', detail: '' };
      if (!m) throw new Error(`unexpected PyTorch output: ${r.stdout}`);
      emit({ system: `pytorch ${m[1]}`, backend: blas.kind, samplesPerSec: Number(m[3]), gflops: null, peakRssMb: r.peakRssMb, round, note: `train accuracy ${m[2]}, BLAS: ${describeBlas(blas)}` });
    }
    if (hasTfjs) {
      const r = child(process.execPath, tsx('bench/tfjs.ts', '--json', '--batches', String(tfjsBatches)));
      const o = r.objects[0];
      emit({
        system: String(o.system), backend: String(o.backend), samplesPerSec: Number(o.samplesPerSec), gflops: null, peakRssMb: r.peakRssMb, round,
        note: o.extrapolated ? `${o.batches} batches timed, extrapolated to an epoch` : 'full epoch',
      });
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

if (!json) {
  const fmt = (v: number | null, digits = 0) => (v === null ? '' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
  const gemm = rows.filter((r) => r.gflops !== null);
  const forms = [...new Set(gemm.map((r) => r.form!))];
  const systems = [...new Set(gemm.map((r) => `${r.system} ${r.backend}`))];
  console.log(`GEMM GFLOP/s over wall-clock time (over the process's CPU time), 128x784x256 float32, one thread (numpy BLAS: ${blasKernel})\n`);
  console.log(`| round | form | ${systems.join(' | ')} |\n| ---: | --- |${systems.map(() => ' ---: |').join('')}`);
  for (let round = 1; round <= rounds; round++) {
    for (const form of forms) {
      const cells = systems.map((s) => {
        const r = gemm.find((r) => r.round === round && r.form === form && `${r.system} ${r.backend}` === s);
        return r ? `${fmt(r.gflops, 1)}${r.cpuGflops ? ` (${fmt(r.cpuGflops, 1)})` : ''}` : '';
      });
      console.log(`| ${round} | \`${form}\` | ${cells.join(' | ')} |`);
    }
  }
  const training = rows.filter((r) => r.samplesPerSec !== null);
  if (training.length) {
    console.log('\nOne Fashion-MNIST epoch, samples per second (peak RSS of the process)\n');
    // No ratio against PyTorch on the reference BLAS (notice above): it would say more about the BLAS than about caviar.
    const torch = (round: number) => training.find((r) => r.round === round && r.system.startsWith('pytorch') && r.backend !== 'reference')?.samplesPerSec ?? null;
    console.log('| round | system | backend | samples/s | vs PyTorch | peak RSS | notes |\n| ---: | --- | --- | ---: | ---: | ---: | --- |');
    for (const r of training) {
      const t = torch(r.round);
      console.log(`| ${r.round} | ${r.system} | ${r.backend} | ${fmt(r.samplesPerSec)} | ${t ? `${(r.samplesPerSec! / t).toFixed(2)}x` : ''} | ${r.peakRssMb ?? ''} MB | ${r.note ?? ''} |`);
    }
  }
  console.log(`\nload average at the end: ${loadavg().map((v) => v.toFixed(2)).join(', ')} (at the start: ${load})`);
}
if (!process.argv.includes('--no-parallel') && data) {
  if (!json) console.log('\nThe machine\'s ceiling and two trainings in parallel, default backend (bench/parallel.ts)\n');
  const r = spawnSync(process.execPath, tsx('bench/parallel.ts', ...(json ? ['--json'] : []), '--rounds', String(rounds)), { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(json ? r.stdout.split('\n').filter(Boolean).join('\n') + '\n' : r.stdout);
  if (r.status !== 0) process.exitCode = 1;
}
