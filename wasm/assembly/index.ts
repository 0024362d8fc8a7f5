/**
 * The WebAssembly backend's kernels (src/backend/wasm.ts loads the build).
 * No allocator: the host owns linear memory above heapBase() and passes
 * byte offsets. Every function ops.ts exports is a kernel and is exported
 * from the module, so a new kernel there needs no line here.
 */
export { gemm, gemmScratchFloats, scale } from './gemm';
export * from './ops';

/** The first byte of linear memory the host may use. */
export function heapBase(): usize {
  return __heap_base;
}
