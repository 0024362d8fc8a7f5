/**
 * Two trainings in parallel (one per core): the Fashion-MNIST epoch of
 * bench/fashion-mnist.ts on the default backend, one child process alone,
 * then two child processes at once, alternated for `--rounds` rounds.
 * Total throughput of the pair is measured over wall-clock time: from the
 * first epoch start to the last epoch end (each child's epoch start is its
 * end, when its result arrives, minus the epoch's own seconds), so a
 * staggered start counts against the pair.
 *
 *   node --import tsx bench/parallel.ts [--rounds 2] [--json]
 */
import { spawn } from 'node:child_process';

const json = process.argv.includes('--json');
const ri = process.argv.indexOf('--rounds');
const rounds = ri > 0 ? Number(process.argv[ri + 1]) : 2;
const epochSamples = 60000;

interface Epoch { backend: string; samplesPerSec: number; seconds: number; end: number }

/** One training child; resolves with its epoch and the wall time its result arrived. */
function train(): Promise<Epoch> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/fashion-mnist.ts', '--epochs', '1', '--json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffer = '', epoch: Epoch | null = null;
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl); buffer = buffer.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const row = JSON.parse(line) as { backend: string; samplesPerSec: number; seconds: number };
        epoch = { backend: row.backend, samplesPerSec: row.samplesPerSec, seconds: row.seconds, end: performance.now() / 1000 };
      }
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 && epoch ? resolve(epoch) : reject(new Error(`training child exited ${code}`))));
  });
}

const rows: Array<{ round: number; alone: number; pair: number; each: number[]; ratio: number; backend: string }> = [];
for (let round = 1; round <= rounds; round++) {
  const one = await train();
  const alone = epochSamples / one.seconds;
  const two = await Promise.all([train(), train()]);
  const first = Math.min(...two.map((e) => e.end - e.seconds)), last = Math.max(...two.map((e) => e.end));
  const pair = (2 * epochSamples) / (last - first);
  const row = { round, alone, pair, each: two.map((e) => epochSamples / e.seconds), ratio: pair / alone, backend: one.backend };
  rows.push(row);
  if (json) {
    console.log(JSON.stringify({ system: 'caviar', backend: `${one.backend} x1`, samplesPerSec: alone, gflops: null, peakRssMb: null, round }));
    console.log(JSON.stringify({ system: 'caviar', backend: `${one.backend} x2 in parallel`, samplesPerSec: pair, gflops: null, peakRssMb: null, round, ratio: row.ratio }));
  }
}
if (!json) {
  console.log('| round | one alone | two at once (total, wall clock) | each of the two | ratio |\n| ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(`| ${r.round} | ${Math.round(r.alone)} | ${Math.round(r.pair)} | ${r.each.map((v) => Math.round(v)).join(', ')} | ${r.ratio.toFixed(2)}x |`);
  }
  console.log(`backend ${rows[0].backend}; target: at least 1.8x`);
}
