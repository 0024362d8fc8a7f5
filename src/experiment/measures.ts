/**
 * What a trial of an experiment can be scored and constrained by: its dev
 * metrics, and the costs of its model that caviar measures itself on the
 * runtime the model ships to (size, parameters, latency in the WebAssembly
 * backend that runs in browsers, training time). Experiment files name them
 * in `tune.objectives` and `tune.constraints`; each has one direction.
 */
import { WasmBackend } from '../backend/wasm.js';
import { encodeModel, decodeModel } from '../io/model-file.js';
import type { Sequential } from '../nn/model.js';
import type { Direction } from '../tune/types.js';

/** Every measure, with the direction that makes it better. */
export const MEASURES = {
  devAccuracy: 'maximize',
  devLoss: 'minimize',
  /** Trainable and running-statistics values of the network. */
  paramCount: 'minimize',
  /** Bytes of the trial's saved model file. */
  modelBytes: 'minimize',
  /** Median milliseconds to predict one example in the WebAssembly backend, after a warm-up. */
  inferenceMs: 'minimize',
  /** Seconds spent training (the sum of the epochs' times). */
  trainSeconds: 'minimize',
} as const satisfies Record<string, Direction>;

export type Measure = keyof typeof MEASURES;
export const MEASURE_NAMES = Object.keys(MEASURES) as Measure[];

/** Measures that depend on the model's shape only, not on its training: known after the first epoch. */
export const SHAPE_MEASURES: readonly Measure[] = ['paramCount', 'modelBytes', 'inferenceMs'];

/** One constraint of an experiment file, such as `modelBytes <= 200000`. */
export interface ConstraintSpec {
  readonly measure: Measure;
  readonly op: '<=' | '>=';
  readonly bound: number;
}

/**
 * A constraint as written in an experiment file, or a message saying what is
 * wrong with it.
 *
 * @example
 *   parseConstraint('modelBytes <= 200000'); // { measure: 'modelBytes', op: '<=', bound: 200000 }
 *   parseConstraint('devAccuracy >= 0.88');  // { measure: 'devAccuracy', op: '>=', bound: 0.88 }
 */
export function parseConstraint(text: unknown): ConstraintSpec | string {
  if (typeof text !== 'string') return `expected a constraint like 'modelBytes <= 200000', got ${JSON.stringify(text)}`;
  const m = /^\s*([A-Za-z]+)\s*(<=|>=|<|>|=)\s*([-+]?[\d_]*\.?\d+(?:e[-+]?\d+)?)\s*$/i.exec(text);
  if (!m) return `expected 'MEASURE <= NUMBER' or 'MEASURE >= NUMBER' (for example 'modelBytes <= 200000'), got '${text}'`;
  const [, name, op, number] = m;
  if (!(name in MEASURES)) return `'${name}' is not a measure; expected one of ${MEASURE_NAMES.join(', ')}`;
  if (op !== '<=' && op !== '>=') return `'${op}' is not a comparison caviar keeps; use <= or >= (a constraint holds at its bound)`;
  const bound = Number(number.replace(/_/g, ''));
  if (!Number.isFinite(bound)) return `the bound '${number}' is not a finite number`;
  return { measure: name as Measure, op, bound };
}

/** The constraint as text, as a person wrote it. @example describeConstraint({ measure: 'inferenceMs', op: '<=', bound: 2 }); // 'inferenceMs <= 2' */
export function describeConstraint(c: ConstraintSpec): string {
  return `${c.measure} ${c.op} ${c.bound}`;
}

/**
 * The constraint's value in Optuna's convention: <= 0 when it holds, and how
 * far it is from holding otherwise.
 *
 * @example constraintValue({ measure: 'modelBytes', op: '<=', bound: 200000 }, 250000); // 50000
 */
export function constraintValue(c: ConstraintSpec, measured: number): number {
  return c.op === '<=' ? measured - c.bound : c.bound - measured;
}

/** How `inferenceLatencyMs` measures: runs before timing, and timed runs (the median is kept). */
export interface LatencyOptions {
  readonly warmup?: number;
  readonly runs?: number;
}

/**
 * The median time (ms) to predict one example with `network`'s weights in
 * the WebAssembly backend, the one that runs in browsers: the network is
 * copied there through its saved bytes (as a browser would load it), warmed
 * up (at least `warmup` calls and 10 ms; 300 ms the first time in a thread),
 * then timed one example at a time, `runs` times. Noise is what the machine
 * adds: see docs/BENCHMARKS.md for the spread measured here.
 *
 * @example inferenceLatencyMs(model, devExample); // 0.021
 */
export function inferenceLatencyMs(network: Sequential, example: Float32Array, options: LatencyOptions = {}): number {
  const warmup = options.warmup ?? 30;
  const runs = options.runs ?? 101;
  const { model } = decodeModel(encodeModel(network), 'inferenceMs', { backend: wasmBackend() });
  const x = example;
  // The first measurement of a thread also warms the engine (the JavaScript around the kernels is compiled
  // and WebAssembly tiers up over the first few hundred calls): without it, the first trials measured
  // twice as slow as the same model later in the run.
  const warmFor = threadWarm ? 10 : 300;
  threadWarm = true;
  const until = performance.now() + warmFor;
  for (let i = 0; i < warmup || performance.now() < until; i++) model.predict(x);
  const times = new Float64Array(runs);
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    model.predict(x);
    times[i] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  times.sort();
  return times[runs >> 1];
}

/** The measured values of one trial, by measure; what was not needed is absent. */
export type Measured = Partial<Record<Measure, number>>;

/**
 * A trial's scoring: which measures its experiment needs (objectives and
 * constraints), the values it reports each epoch (one per objective), and
 * at the end its objective values and constraint values.
 *
 * @example
 *   const scoring = new TrialScoring(['devAccuracy', 'inferenceMs'], [parseConstraint('modelBytes <= 2e5') as ConstraintSpec]);
 *   scoring.needs('inferenceMs'); // true
 *   scoring.values({ devAccuracy: 0.9, inferenceMs: 0.02 }); // [0.9, 0.02]
 */
export class TrialScoring {
  private readonly needed: ReadonlySet<Measure>;

  constructor(
    readonly objectives: readonly Measure[],
    readonly constraints: readonly ConstraintSpec[],
  ) {
    this.needed = new Set([...objectives, ...constraints.map((c) => c.measure)]);
  }

  needs(measure: Measure): boolean {
    return this.needed.has(measure);
  }

  /** Whether any measure of the model's shape is needed (then it is measured before training). */
  get needsShape(): boolean {
    return SHAPE_MEASURES.some((m) => this.needed.has(m));
  }

  /** One value per objective, or undefined when one of them is not known or not finite (a diverged epoch). */
  values(measured: Measured): number[] | undefined {
    const out: number[] = [];
    for (const o of this.objectives) {
      const v = measured[o];
      if (v === undefined || !Number.isFinite(v)) return undefined;
      out.push(v);
    }
    return out;
  }

  /** The constraint values, <= 0 when each holds (NaN when one could not be measured). */
  constraintValues(measured: Measured): number[] {
    return this.constraints.map((c) => constraintValue(c, measured[c.measure] ?? NaN));
  }
}

let wasm: WasmBackend | undefined;
let threadWarm = false;

/** One WebAssembly backend per thread: its module is compiled once. */
function wasmBackend(): WasmBackend {
  return (wasm ??= new WasmBackend());
}
