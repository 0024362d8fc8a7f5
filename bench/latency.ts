/**
 * How noisy `inferenceMs` is: the latency objective of multi-objective
 * experiments (src/experiment/measures.ts), measured again and again on the
 * same models in one process, so the docs can say how far two trials' values
 * must differ before the difference means something. For each model shape
 * (Fashion-MNIST's 784 inputs, 10 classes): the median over `--repeats`
 * measurements, the spread (min-max and the middle half), relative to the
 * median; and the same model measured fresh in a new process (first
 * measurement of a thread, with its longer warm-up) against the later ones.
 *
 *   node --import tsx bench/latency.ts [--repeats 15] [--json]
 */
import { loadavg } from 'node:os';
import { Sequential } from '../src/nn/model.js';
import type { LayerConfig } from '../src/nn/config.js';
import { inferenceLatencyMs } from '../src/experiment/measures.js';

const args = process.argv.slice(2);
const repeats = Number(args[args.indexOf('--repeats') + 1] || 15) || 15;
const json = args.includes('--json');

const SHAPES: { name: string; hidden: number[] }[] = [
  { name: '1 x 16', hidden: [16] },
  { name: '1 x 64', hidden: [64] },
  { name: '1 x 256', hidden: [256] },
  { name: '2 x 256', hidden: [256, 256] },
  { name: '3 x 512', hidden: [512, 512, 512] },
];

function network(hidden: number[]): Sequential {
  const layers: LayerConfig[] = [];
  for (const units of hidden) layers.push({ type: 'dense', units }, { type: 'batchNorm' }, { type: 'relu' });
  layers.push({ type: 'dense', units: 10 });
  return new Sequential({ inputSize: 784, layers }, { seed: 1 });
}

const example = new Float32Array(784).map((_, i) => ((i * 37) % 255) / 255);
const rows: { shape: string; params: number; first: number; median: number; min: number; max: number; q1: number; q3: number }[] = [];
const load = loadavg()[0];
for (const shape of SHAPES) {
  const model = network(shape.hidden);
  const first = inferenceLatencyMs(model, example);
  const times = Array.from({ length: repeats }, () => inferenceLatencyMs(model, example)).sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.round(q * (times.length - 1)))];
  rows.push({ shape: shape.name, params: model.parameterCount, first, median: at(0.5), min: times[0], max: times[times.length - 1], q1: at(0.25), q3: at(0.75) });
}

if (json) console.log(JSON.stringify({ repeats, load, rows }));
else {
  console.log(`inferenceMs, ${repeats} measurements of each model after a first one (load average ${load.toFixed(1)})`);
  console.log('| model (hidden) | parameters | median ms | middle half | min - max | first in process |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const pct = (v: number) => `${(((v - r.median) / r.median) * 100).toFixed(0)}%`;
    console.log(`| ${r.shape} | ${r.params} | ${r.median.toFixed(4)} | ${pct(r.q1)} / +${pct(r.q3).replace('-', '')} | ${pct(r.min)} / +${pct(r.max).replace('-', '')} | ${r.first.toFixed(4)} |`);
  }
}
