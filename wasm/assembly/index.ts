/**
 * The WebAssembly backend's kernels (src/backend/wasm.ts loads the build).
 * No allocator: the host owns linear memory above heapBase() and passes
 * byte offsets.
 */
export { gemm, gemmScratchFloats, scale } from './gemm';
export {
  activationBackward, activationForward, adamStep, addRowVector, batchNormBackward, batchNormEval, batchNormTrain,
  countCorrect, momentumStep, multiply, rmspropStep, sgdStep, sigmoidBinaryCrossEntropy, softmax, softmaxCrossEntropy,
  sumRows,
} from './ops';

/** The first byte of linear memory the host may use. */
export function heapBase(): usize {
  return __heap_base;
}
