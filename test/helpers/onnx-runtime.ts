/**
 * ONNX Runtime (onnxruntime-node, CPU) as the judge of caviar's ONNX files:
 * run an exported model on raw rows and compare with caviar's own numbers.
 */
import * as ort from 'onnxruntime-node';

/** Runs `bytes` (an ONNX model) on x [count][features]; returns its 'probabilities' output, [count][classes]. */
export async function runOnnx(bytes: Uint8Array, x: Float32Array, features: number): Promise<{ probabilities: Float32Array; session: ort.InferenceSession }> {
  const session = await ort.InferenceSession.create(bytes);
  const output = await session.run({ input: new ort.Tensor('float32', x, [x.length / features, features]) });
  const probabilities = output.probabilities.data;
  if (!(probabilities instanceof Float32Array)) throw new TypeError('ONNX Runtime returned a non-float32 output');
  return { probabilities, session };
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} and ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** The index of the largest probability of each row (the first on ties, as caviar's predictClass). */
export function argmaxRows(p: Float32Array, classes: number): Int32Array {
  const out = new Int32Array(p.length / classes);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (p[i * classes + c] > p[i * classes + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** How many rows' predicted classes differ. */
export function classMismatches(a: Float32Array, b: Float32Array, classes: number): number {
  const x = argmaxRows(a, classes);
  const y = argmaxRows(b, classes);
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) n++;
  return n;
}
