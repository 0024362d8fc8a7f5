/**
 * The WebAssembly backend's allocator: first-fit blocks of its linear memory
 * (whole cache lines), merged when released, the memory grown when nothing
 * fits. wasm.ts hands the blocks out as Float32Array views.
 */

/** A shared WebAssembly.Memory: growing it gives `buffer` a new, longer SharedArrayBuffer and leaves the old one valid. */
export interface LinearMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

/** A WebAssembly page. */
const PAGE = 65536;
/** Every block starts on a cache line. */
const ALIGN = 64;

/** `bytes` rounded up to whole cache lines (at least one). */
export const roundUp = (bytes: number) => Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);

/**
 * An ArrayBuffer of `bytes` that nothing will touch (see `blocks` in wasm.ts).
 * Node's Buffer.allocUnsafeSlow does not zero it, so its pages are never
 * written; elsewhere (a browser) a plain ArrayBuffer.
 */
export function ballast(bytes: number): ArrayBufferLike {
  const nodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(size: number): { buffer: ArrayBufferLike } } }).Buffer;
  return nodeBuffer ? nodeBuffer.allocUnsafeSlow(bytes).buffer : new ArrayBuffer(bytes);
}

/**
 * First-fit allocation of linear memory above `start`, in blocks of whole
 * cache lines; free blocks are kept sorted by address and merged with their
 * neighbours. When nothing fits, the memory grows by what is missing, and by
 * at least half its size so that growing stays rare.
 */
export class LinearHeap {
  /** Free blocks as [offset, bytes] pairs, sorted by offset, none adjacent. */
  private readonly free: number[] = [];
  /** Live blocks: offset → bytes. */
  private readonly live = new Map<number, number>();

  constructor(
    private readonly memory: LinearMemory,
    start: number,
    private readonly onGrow: () => void,
  ) {
    const begin = Math.ceil(start / ALIGN) * ALIGN;
    const end = memory.buffer.byteLength;
    if (end > begin) this.free.push(begin, end - begin);
    else this.grow(begin - end);
  }

  /** A block of at least `bytes`; returns its byte offset. Its contents are whatever was there. */
  alloc(bytes: number): number {
    const size = roundUp(bytes);
    const { free } = this;
    for (let i = 0; i < free.length; i += 2) {
      if (free[i + 1] < size) continue;
      const at = free[i];
      if (free[i + 1] === size) free.splice(i, 2);
      else {
        free[i] += size;
        free[i + 1] -= size;
      }
      this.live.set(at, size);
      return at;
    }
    const end = this.memory.buffer.byteLength;
    const last = free.length - 2;
    const tail = last >= 0 && free[last] + free[last + 1] === end ? free[last + 1] : 0;
    this.grow(size - tail);
    return this.alloc(bytes);
  }

  /** Free bytes and the number of free blocks (for tests). */
  get freeSpace(): { bytes: number; blocks: number } {
    let bytes = 0;
    for (let i = 1; i < this.free.length; i += 2) bytes += this.free[i];
    return { bytes, blocks: this.free.length / 2 };
  }

  /** Returns the block at `at` (from `alloc`) to the heap. */
  release(at: number): void {
    const size = this.live.get(at);
    if (size === undefined) return;
    this.live.delete(at);
    this.insert(at, size);
  }

  private insert(at: number, size: number): void {
    const { free } = this;
    let i = 0;
    while (i < free.length && free[i] < at) i += 2;
    const joinsBefore = i > 0 && free[i - 2] + free[i - 1] === at;
    const joinsAfter = i < free.length && at + size === free[i];
    if (joinsBefore && joinsAfter) {
      free[i - 1] += size + free[i + 1];
      free.splice(i, 2);
    } else if (joinsBefore) free[i - 1] += size;
    else if (joinsAfter) {
      free[i] = at;
      free[i + 1] += size;
    } else free.splice(i, 0, at, size);
  }

  private grow(missing: number): void {
    const end = this.memory.buffer.byteLength;
    const needed = Math.ceil(missing / PAGE);
    let pages = Math.max(needed, Math.ceil(end / PAGE / 2));
    try {
      this.memory.grow(pages);
    } catch {
      // Past the maximum (4 GiB, scripts/build-wasm.mjs) with the extra half: try exactly what is missing.
      pages = needed;
      try {
        this.memory.grow(pages);
      } catch {
        throw new RangeError(
          `the WebAssembly backend's memory cannot grow by ${(missing / 2 ** 20).toFixed(1)} MiB ` +
            `(${(end / 2 ** 20).toFixed(0)} MiB in use)`,
        );
      }
    }
    this.insert(end, pages * PAGE);
    this.onGrow();
  }
}
