/**
 * Two trainings in parallel (one per core), and the machine's own ceiling
 * for running two things at once.
 *
 * The ceiling: a pure compute loop (the default backend's matrix product on
 * 32x64x32 matrices, 20 KB, resident in each core's L1), a cache stream
 * (copying 4 MB arrays: past L2, within the shared L3) and a memory stream
 * (copying 64 MB arrays, far past every cache), each in one child process
 * alone, then in two at once. Compute that scales by less than 2x means the
 * two vCPUs share execution units (SMT siblings on the host) or clock; a
 * stream that scales by less than 2x means they share that level's
 * bandwidth.
 *
 * The training: one Fashion-MNIST epoch of bench/fashion-mnist.ts on the
 * default backend, one child alone, then two at once, alternated for
 * `--rounds` rounds. Every child first loads its data and trains one batch
 * (JIT, workspaces), then waits; the children of a pair start together, so
 * what is measured is training, not process start-up or data loading. Each
 * child's rate is over its own measured window (a 3 s loop; an epoch's
 * batches after the first); the pair's total is all their work over the
 * longer of the two windows.
 *
 * Beside each wall-clock figure: the share of a core the child actually had
 * (its CPU seconds over wall seconds) and its work per CPU second. Other
 * processes on the machine take cores away, which lowers the wall-clock
 * ratio but not the work per CPU second; so the "per CPU s" ratio,
 * (pair's work per CPU second, summed) / (alone's), says how two runs slow
 * each other down while each has a core, and the wall-clock ratio means
 * something only when every CPU share is near 1.
 *
 *   node --import tsx bench/parallel.ts [--rounds 2] [--json] [--no-ceiling] [--no-training]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';

const json = process.argv.includes('--json');
const ri = process.argv.indexOf('--rounds');
const rounds = ri > 0 ? Number(process.argv[ri + 1]) : 2;

/** One child's result: work per wall second over its window, the window, its share of a core, work per CPU second. */
interface Run { backend: string; rate: number; seconds: number; cpuShare: number; perCpuSecond: number }

if (process.argv.includes('--child')) {
  await child(process.argv[process.argv.indexOf('--child') + 1]);
  process.exit(0);
}

/** A ceiling child: warms up, says it is ready, waits for a line on stdin, runs one loop for 3 s, prints its Run. */
async function child(kind: string): Promise<void> {
  const { defaultBackend } = await import('../src/backend/index.js');
  const { Matrix, allocate } = await import('../src/backend/tensor.js');
  const backend = defaultBackend();
  const matrix = (rows: number, cols: number) => {
    const m = new Matrix(rows, cols, allocate('float32', rows * cols, backend));
    m.data.fill(1);
    return m;
  };
  let step: () => number;
  if (kind === 'compute') {
    // GFLOP: 200 products of 32x64x32, packed and computed without leaving the core's L1.
    const a = matrix(32, 64), b = matrix(64, 32), c = matrix(32, 32);
    step = () => {
      for (let i = 0; i < 200; i++) backend.gemm(a, false, b, false, c, 1, 0);
      return (200 * 2 * 32 * 64 * 32) / 1e9;
    };
  } else {
    // GB moved: read and write 64 MB (memory) or 4 MB (cache) per step.
    const floats = kind === 'cache' ? 1 << 20 : 16 << 20;
    const from = new Float32Array(floats).fill(1), to = new Float32Array(floats);
    step = () => {
      to.set(from);
      return (2 * from.byteLength) / 1e9;
    };
  }
  for (let i = 0; i < 5; i++) step();
  console.log(JSON.stringify({ ready: true }));
  await new Promise<void>((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.once('line', () => {
      lines.close();
      resolve();
    });
  });
  let work = 0;
  const cpu0 = process.cpuUsage(), start = performance.now();
  while (performance.now() - start < 3000) work += step();
  const used = process.cpuUsage(cpu0), seconds = (performance.now() - start) / 1000;
  const cpu = (used.user + used.system) / 1e6;
  console.log(JSON.stringify({ backend: backend.name, rate: work / seconds, seconds, cpuShare: cpu / seconds, perCpuSecond: work / cpu }));
}

type Parse = (row: Record<string, number | string | null>) => Run;

/** Starts `count` children of one kind; once every one has said it is ready, tells them all to go at once. */
function startTogether(count: number, args: string[], parse: Parse): Promise<Run[]> {
  const ready: ChildProcess[] = [];
  return Promise.all(
    Array.from({ length: count }, () =>
      new Promise<Run>((resolve, reject) => {
        const proc = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
        let result: Run | null = null;
        createInterface({ input: proc.stdout! }).on('line', (line) => {
          if (!line.startsWith('{')) return;
          const row = JSON.parse(line) as Record<string, number | string | null>;
          if (row.ready) {
            ready.push(proc);
            if (ready.length === count) for (const p of ready) p.stdin!.end('go\n');
          } else result = parse(row);
        });
        proc.on('error', reject);
        proc.on('close', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`child ${args.join(' ')} exited ${code}`))));
      }),
    ),
  );
}

const ceiling = (kind: string) => (count: number) =>
  startTogether(count, ['bench/parallel.ts', '--child', kind], (r) => ({
    backend: String(r.backend), rate: Number(r.rate), seconds: Number(r.seconds), cpuShare: Number(r.cpuShare), perCpuSecond: Number(r.perCpuSecond),
  }));

const training = (count: number) =>
  startTogether(count, ['bench/fashion-mnist.ts', '--epochs', '1', '--json', '--sync'], (r) => ({
    backend: String(r.backend), rate: Number(r.windowSamples) / Number(r.windowSeconds), seconds: Number(r.windowSeconds),
    cpuShare: Number(r.cpuShare), perCpuSecond: Number(r.samplesPerCpuSecond),
  }));

interface Row {
  what: string; unit: string; round: number; backend: string; alone: Run; pair: Run[]; pairRate: number; ratio: number; cpuRatio: number;
}

/** One alone, then two at once; the pair's rate is all its work over the longer window (both started together). */
async function compare(what: string, unit: string, round: number, start: (count: number) => Promise<Run[]>): Promise<Row> {
  const [alone] = await start(1);
  const pair = await start(2);
  const work = pair.reduce((sum, r) => sum + r.rate * r.seconds, 0);
  const pairRate = work / Math.max(...pair.map((r) => r.seconds));
  const cpuRatio = (pair[0].perCpuSecond + pair[1].perCpuSecond) / alone.perCpuSecond;
  const row = { what, unit, round, backend: alone.backend, alone, pair, pairRate, ratio: pairRate / alone.rate, cpuRatio };
  if (json) {
    const training = unit === 'samples/s' ? { gflops: null, peakRssMb: null } : {};
    console.log(JSON.stringify({
      system: 'caviar', backend: `${alone.backend} x1`, what, unit, round, rate: alone.rate, cpuShare: alone.cpuShare,
      perCpuSecond: alone.perCpuSecond, ...(unit === 'samples/s' ? { samplesPerSec: alone.rate, ...training } : {}),
    }));
    console.log(JSON.stringify({
      system: 'caviar', backend: `${alone.backend} x2 in parallel`, what, unit, round, rate: pairRate, ratio: row.ratio, cpuRatio,
      cpuShares: pair.map((r) => r.cpuShare), ...(unit === 'samples/s' ? { samplesPerSec: pairRate, ...training } : {}),
    }));
  }
  return row;
}

const rows: Row[] = [];
const loadStart = loadavg().map((v) => v.toFixed(2)).join(', ');
for (let round = 1; round <= rounds; round++) {
  if (!process.argv.includes('--no-ceiling')) {
    rows.push(await compare('compute (gemm 32x64x32 in L1)', 'GFLOP/s', round, ceiling('compute')));
    rows.push(await compare('cache stream (4 MB copies, L3)', 'GB/s', round, ceiling('cache')));
    rows.push(await compare('memory stream (64 MB copies)', 'GB/s', round, ceiling('stream')));
  }
  if (!process.argv.includes('--no-training')) rows.push(await compare('Fashion-MNIST epoch', 'samples/s', round, training));
}
if (!json) {
  const f = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1));
  const share = (r: Run) => r.cpuShare.toFixed(2);
  console.log('| round | what | one alone (CPU share) | two at once, total | each (CPU share) | ratio | ratio per CPU s |');
  console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.round} | ${r.what}, ${r.unit} | ${f(r.alone.rate)} (${share(r.alone)}) | ${f(r.pairRate)} | ` +
        `${r.pair.map((p) => `${f(p.rate)} (${share(p)})`).join(', ')} | ${r.ratio.toFixed(2)}x | ${r.cpuRatio.toFixed(2)}x |`,
    );
  }
  console.log(`backend ${rows[0]?.backend}; load average ${loadStart} at the start, ${loadavg().map((v) => v.toFixed(2)).join(', ')} at the end; target: training at least 1.8x`);
}
