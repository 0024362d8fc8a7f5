/**
 * Node's `Buffer` as the predictions worker's bundle sees it: the one call the
 * library makes there (the WebAssembly backend's ballast for large blocks, an
 * allocation it never touches) has a browser equivalent. Injected by esbuild
 * (server/bundle.ts) in place of the global.
 */
export const Buffer = {
  allocUnsafeSlow: (size: number): Uint8Array => new Uint8Array(size),
};
