/**
 * Two trainings in parallel (one per core), and the machine's own ceiling
 * for running two things at once.
 *
 * The ceiling: a pure compute loop (the default backend's matrix product on
 * 32x64x32 matrices, 20 KB, resident in each core's L1) and a memory stream
 * (copying 64 MB arrays, far past every cache), each in one child process
 * alone, then in two at once. Compute that scales by less than 2x means the
 * two vCPUs share execution units (SMT siblings on the host) or clock; a
 * stream that scales by less than 2x means they share memory bandwidth.
 *
 * The training: the Fashion-MNIST epoch of bench/fashion-mnist.ts on the
 * default backend, one child alone, then two at once, alternated for
 * `--rounds` rounds. The pair's total throughput is measured over wall-clock
 * time, from the first epoch start to the last epoch end (each child's epoch
 * start is its end, when its result arrives, minus the epoch's own seconds),
 * so a staggered start counts against the pair.
 *
 * Beside each wall-clock figure: the share of a core the child actually had
 * (its CPU seconds over wall seconds) and its work per CPU second. Other
 * processes on the machine take cores away, which lowers the wall-clock
 * ratio but not the work per CPU second; so "per CPU s" ratios, 2 x (pair's
 * work per CPU second) / (alone's), say how two runs slow each other down
 * when each has a core, and the wall-clock ratio is only meaningful when
 * every CPU share is near 1.
 *
 *   node --import tsx bench/parallel.ts [--rounds 2] [--json] [--no-ceiling] [--no-training]
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';

const json = process.argv.includes('--json');
const ri = process.argv.indexOf('--rounds');
const rounds = ri > 0 ? Number(process.argv[ri + 1]) : 2;
const epochSamples = 60000;

/** One child's result: its rate (work per wall second), its share of a core, and when it ended (our clock). */
interface Run { backend: string; rate: number; seconds: number; cpuShare: number; perCpuSecond: number; end: number }

if (process.argv.includes('--child')) {
  await child(process.argv[process.argv.indexOf('--child') + 1]);
  process.exit(0);
}

/** A ceiling child: runs one loop for 3 s and prints {rate, seconds, cpuShare} as JSON. */
async function child(kind: string): Promise<void> {
  const { defaultBackend } = await import('../src/backend/index.js');
  const { Matrix, allocate } = await import('../src/backend/tensor.js');
  const backend = defaultBackend();
  const ms = 3000;
  let work = 0;
  const matrix = (rows: number, cols: number) => {
    const m = new Matrix(rows, cols, allocate('float32', rows * cols, backend));
    m.data.fill(1);
    return m;
  };
  const run = (step: () => number) => {
    for (let i = 0; i < 3; i++) step();
    const cpu0 = process.cpuUsage(), start = performance.now();
    while (performance.now() - start < ms) work += step();
    const used = process.cpuUsage(cpu0), seconds = (performance.now() - start) / 1000;
    const cpu = (used.user + used.system) / 1e6;
    console.log(JSON.stringify({ backend: backend.name, rate: work / seconds, seconds, cpuShare: cpu / seconds, perCpuSecond: work / cpu }));
  };
  if (kind === 'compute') {
    // GFLOP: 200 products of 32x64x32, packed and computed without leaving the core's L1.
    const a = matrix(32, 64), b = matrix(64, 32), c = matrix(32, 32);
    run(() => {
      for (let i = 0; i < 200; i++) backend.gemm(a, false, b, false, c, 1, 0);
      return (200 * 2 * 32 * 64 * 32) / 1e9;
    });
  } else {
    // GB moved: read 64 MB and write 64 MB.
    const from = new Float32Array(16 << 20).fill(1), to = new Float32Array(16 << 20);
    run(() => {
      to.set(from);
      return (2 * from.byteLength) / 1e9;
    });
  }
}

function spawnChild(args: string[], parse: (row: Record<string, number | string | null>) => Omit<Run, 'end'>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffer = '', result: Run | null = null;
    proc.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('{')) result = { ...parse(JSON.parse(line)), end: performance.now() / 1000 };
      }
    });
    proc.on('error', reject);
    proc.on('close', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`child ${args.join(' ')} exited ${code}`))));
  });
}

const ceilingChild = (kind: string) => () =>
  spawnChild(['bench/parallel.ts', '--child', kind], (r) => ({
    backend: String(r.backend), rate: Number(r.rate), seconds: Number(r.seconds), cpuShare: Number(r.cpuShare), perCpuSecond: Number(r.perCpuSecond),
  }));

const trainingChild = () =>
  spawnChild(['bench/fashion-mnist.ts', '--epochs', '1', '--json'], (r) => ({
    backend: String(r.backend), rate: epochSamples / Number(r.seconds), seconds: Number(r.seconds),
    cpuShare: Number(r.cpuShare), perCpuSecond: Number(r.samplesPerCpuSecond),
  }));

interface Row {
  what: string; unit: string; round: number; backend: string; alone: Run; pair: Run[]; pairRate: number; ratio: number; cpuRatio: number;
}

/** One alone, then two at once; the pair's rate over the wall-clock span from the first start to the last end. */
async function compare(what: string, unit: string, round: number, start: () => Promise<Run>): Promise<Row> {
  const alone = await start();
  const pair = await Promise.all([start(), start()]);
  const first = Math.min(...pair.map((r) => r.end - r.seconds)), last = Math.max(...pair.map((r) => r.end));
  const work = pair.reduce((sum, r) => sum + r.rate * r.seconds, 0);
  const pairRate = work / (last - first);
  const cpuRatio = (pair[0].perCpuSecond + pair[1].perCpuSecond) / alone.perCpuSecond;
  const row = { what, unit, round, backend: alone.backend, alone, pair, pairRate, ratio: pairRate / alone.rate, cpuRatio };
  if (json) {
    console.log(JSON.stringify({ system: 'caviar', backend: `${alone.backend} x1`, what, unit, round, rate: alone.rate, cpuShare: alone.cpuShare, perCpuSecond: alone.perCpuSecond, ...(unit === 'samples/s' ? { samplesPerSec: alone.rate, gflops: null, peakRssMb: null } : {}) }));
    console.log(JSON.stringify({
      system: 'caviar', backend: `${alone.backend} x2 in parallel`, what, unit, round, rate: pairRate, ratio: row.ratio, cpuRatio,
      cpuShares: pair.map((r) => r.cpuShare), ...(unit === 'samples/s' ? { samplesPerSec: pairRate, gflops: null, peakRssMb: null } : {}),
    }));
  }
  return row;
}

const rows: Row[] = [];
const loadStart = loadavg().map((v) => v.toFixed(2)).join(', ');
for (let round = 1; round <= rounds; round++) {
  if (!process.argv.includes('--no-ceiling')) {
    rows.push(await compare('compute (gemm 32x64x32 in L1)', 'GFLOP/s', round, ceilingChild('compute')));
    rows.push(await compare('memory stream (64 MB copies)', 'GB/s', round, ceilingChild('stream')));
  }
  if (!process.argv.includes('--no-training')) rows.push(await compare('Fashion-MNIST epoch', 'samples/s', round, trainingChild));
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
