/** Fitting the input normalization on training examples (float64 sums, so 60,000 images stay exact). */
import type { Examples } from './inputs.js';

/**
 * Per-feature mean and standard deviation; a feature that never varies gets
 * std 1 (it is only centred), so constant pixels do not divide by zero.
 */
export function fitInputNormalization(ex: Examples): { mean: Float64Array; std: Float64Array } {
  const { x, count, features: f } = ex;
  const mean = new Float64Array(f);
  const std = new Float64Array(f);
  for (let i = 0; i < count; i++) for (let j = 0; j < f; j++) mean[j] += x[i * f + j];
  for (let j = 0; j < f; j++) mean[j] /= count;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < f; j++) {
      const d = x[i * f + j] - mean[j];
      std[j] += d * d;
    }
  }
  for (let j = 0; j < f; j++) {
    const s = Math.sqrt(std[j] / count);
    std[j] = s > 1e-8 ? s : 1;
  }
  return { mean, std };
}
