/**
 * `npm run bench`: the training-speed benchmark of docs/BENCHMARKS.md in one
 * run, every measurement in its own child process, interleaved for
 * `--rounds` rounds so that ratios are measured side by side:
 *   - GEMM GFLOP/s of the three product forms per caviar backend
 *     (bench/gemm.ts) beside numpy's OpenBLAS (bench/gemm_numpy.py);
 *   - one Fashion-MNIST epoch (784-256-128-10, batch norm, ReLU, softmax CE,
 *     Adam, batch 128, one thread) per caviar backend (bench/fashion-mnist.ts;
 *     the reference backend on a `--reference-train` subset), PyTorch
 *     (bench/pytorch_fashion_mnist.py, one thread, OpenBLAS with its
 *     SkylakeX kernels) and TensorFlow.js-wasm (bench/tfjs.ts, a fixed number
 *     of batches, extrapolated), each skipped with a notice when absent;
 *   - peak RSS of each training process (/usr/bin/time, else none);
 *   - then the machine's own ceiling for two processes and two trainings in
 *     parallel (bench/parallel.ts) unless --no-parallel.
 * Prints markdown tables, or with --json one JSON object per measurement:
 * {"system", "backend", "samplesPerSec", "gflops", "peakRssMb"} (plus "form"
 * for GEMM rows, "round", and notes).
 *
 *   node --import tsx bench/run.ts [--json] [--rounds 2] [--reference-train 6000] [--tfjs-batches 60] [--no-parallel]
 *
 * PyTorch runs with /usr/bin/python3 and OPENBLAS_CORETYPE=SkylakeX,
 * LD_LIBRARY_PATH=$CAVIAR_OPENBLAS_DIR (default
 * /tmp/cav/ob/usr/lib/x86_64-linux-gnu/openblas-pthread: Debian's
 * libopenblas0-pthread 0.3.21 unpacked with dpkg-deb -x), OPENBLAS_L2_SIZE unset.
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
const openblasDir = process.env.CAVIAR_OPENBLAS_DIR ?? '/tmp/cav/ob/usr/lib/x86_64-linux-gnu/openblas-pthread';
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

/** Python's environment: OpenBLAS in front of the netlib BLAS, its AVX-512 kernels, one thread. */
function pythonEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_CORETYPE: 'SkylakeX', OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  delete env.OPENBLAS_L2_SIZE;
  if (existsSync(openblasDir)) env.LD_LIBRARY_PATH = [openblasDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  else notice(`notice: ${openblasDir} not found; Python uses whatever BLAS it links (unpack libopenblas0-pthread 0.3.21 there with dpkg-deb -x)`);
  return env;
}

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
const data = fashionMnistAvailable();
if (!data) notice('notice: training skipped: Fashion-MNIST not found (apt-get install dataset-fashion-mnist)');
let blasKernel = 'unknown';
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
      // The PyTorch script as it is, then the BLAS kernel that ran in the same process.
      const wrapper = [
        'import sys, runpy', "sys.argv = ['bench/pytorch_fashion_mnist.py', '1']", "runpy.run_path(sys.argv[0], run_name='__main__')",
        "sys.path.insert(0, 'bench')", 'import gemm_numpy', "print('blas', gemm_numpy.blas_kernel())",
      ].join('\n');
      const r = child(python, ['-c', wrapper], pythonEnv());
      const m = /^pytorch (\S+) epoch \d+ loss \S+ acc (\S+) (\d+) samples\/s/m.exec(r.stdout);
      const kernel = /^blas (.*)$/m.exec(r.stdout)?.[1] ?? 'unknown';
      if (!m) throw new Error(`unexpected PyTorch output: ${r.stdout}`);
      emit({ system: `pytorch ${m[1]}`, backend: 'cpu', samplesPerSec: Number(m[3]), gflops: null, peakRssMb: r.peakRssMb, round, note: `train accuracy ${m[2]}, BLAS: ${kernel}` });
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
    const torch = (round: number) => training.find((r) => r.round === round && r.system.startsWith('pytorch'))?.samplesPerSec ?? null;
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
