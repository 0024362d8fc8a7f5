/**
 * Matrix product for the WebAssembly backend: c[m][n] += alpha * op(a) op(b),
 * the GotoBLAS way. op(b) is packed, kc rows by nc columns at a time, into
 * panels 8 columns wide; op(a) is packed, mc rows by kc at a time, into
 * panels 5 rows tall; a register-blocked 5x8 micro-kernel walks one b panel
 * (kc x 8, at most 8 KB, stays in L1) against every a panel of the block
 * (in L2). Panels are zero-padded at the edges, so the kernel always
 * computes a whole 5x8 tile and only its addition to c is clipped.
 *
 * Why 5x8: WebAssembly has no FMA here, so each step is a mul and an add,
 * and V8 (TurboFan) gives a function 15 xmm registers. Ten f32x4
 * accumulators, two b vectors, one broadcast a value and one product fit
 * without a spill; 6x8 or 4x12 need 16 or more and spill in every
 * iteration, and unrolling the p loop makes V8 hoist the next step's loads
 * above this step's arithmetic, which spills too. So does inlining the
 * kernel into the loop nest below: it is a function of its own, called from
 * two sites. Measured in CPU time on L1-resident panels (AMD EPYC, Node 20):
 * 4x8 unrolled by two 30 GFLOP/s, 4x8 38, 3x12 43, 5x8 44 (docs/BENCHMARKS.md).
 *
 * Blocks are balanced (784 = 4 x 196, not 3 x 256 + 16) so no block is a
 * sliver whose loads and stores of c outweigh its arithmetic.
 *
 * Pointers are byte offsets into linear memory, owned by the caller
 * (src/backend/wasm.ts); beta is applied by the caller before the call.
 */

export const MR: i32 = 5;
export const NR: i32 = 8;
export const KC: i32 = 256;
export const MC: i32 = 160;
export const NC: i32 = 1024;

/** Floats of scratch memory gemm needs: the packed a block, the packed b block and one tile. */
export function gemmScratchFloats(): i32 {
  return MC * KC + KC * NC + MR * NR;
}

/** ceil(total / ceil(total / most)) rounded up to a multiple of unit: equal blocks of at most about `most`. */
// @ts-ignore: decorator
@inline
function blockSize(total: i32, most: i32, unit: i32): i32 {
  const blocks = (total + most - 1) / most;
  const size = (total + blocks - 1) / blocks;
  return min(most, (size + unit - 1) / unit * unit);
}

/**
 * c [m][n] += alpha * op(a) [m][k] * op(b) [k][n]. a is [m][k], or [k][m]
 * when transA; b is [k][n], or [n][k] when transB.
 */
export function gemm(
  a: usize, transA: i32, b: usize, transB: i32, c: usize, m: i32, n: i32, k: i32, alpha: f32, scratch: usize,
): void {
  if (m <= 0 || n <= 0 || k <= 0) return; // nothing to add (and no block sizes to divide by)
  const packedA = scratch;
  const packedB = packedA + <usize>(MC * KC) * 4;
  const tile = packedB + <usize>(KC * NC) * 4;
  const kcStep = blockSize(k, KC, 4);
  const mcStep = blockSize(m, MC, MR);
  const ncStep = blockSize(n, NC, NR);
  for (let pc = 0; pc < k; pc += kcStep) {
    const kc = min(kcStep, k - pc);
    for (let jc = 0; jc < n; jc += ncStep) {
      const nc = min(ncStep, n - jc);
      packB(b, transB, k, n, pc, kc, jc, nc, packedB);
      for (let ic = 0; ic < m; ic += mcStep) {
        const mc = min(mcStep, m - ic);
        packA(a, transA, m, k, ic, mc, pc, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const pb = packedB + <usize>(jr * kc) * 4;
          const nr = min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const pa = packedA + <usize>(ir * kc) * 4;
            const cp = c + (<usize>(ic + ir) * <usize>n + <usize>(jc + jr)) * 4;
            const rows = min(MR, mc - ir);
            // Two call sites: a function called once, Binaryen inlines into this loop nest.
            if (rows == MR && nr == NR) {
              kernel(pa, pb, kc, tile);
              addTile(tile, cp, n, MR, NR, alpha);
            } else {
              kernel(pa, pb, kc, tile);
              addTile(tile, cp, n, rows, nr, alpha);
            }
          }
        }
      }
    }
  }
}

/** Packs op(a)[ic..ic+mc][pc..pc+kc] as ceil(mc/5) panels, each [kc][5], zero rows past m. */
function packA(a: usize, transA: i32, m: i32, k: i32, ic: i32, mc: i32, pc: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const i0 = ic + ir;
    let d = dst + <usize>(ir * kc) * 4;
    if (transA) {
      // a is [k][m]: the 5 values of one p are contiguous.
      for (let p = 0; p < kc; p++) {
        const src = a + (<usize>(pc + p) * <usize>m + <usize>i0) * 4;
        if (rows == MR) {
          v128.store(d, v128.load(src));
          store<f32>(d, load<f32>(src, 16), 16);
        } else {
          for (let r = 0; r < MR; r++) store<f32>(d + <usize>r * 4, r < rows ? load<f32>(src + <usize>r * 4) : 0);
        }
        d += MR * 4;
      }
    } else {
      // a is [m][k]: read rows 0-3 side by side, 4 columns at a time, and transpose each 4x4 block in
      // registers; row 4 goes lane by lane.
      const r0 = a + (<usize>i0 * <usize>k + <usize>pc) * 4;
      const rowBytes = <usize>k * 4;
      let p = 0;
      if (rows == MR) {
        for (; p + 4 <= kc; p += 4) {
          const src = r0 + <usize>p * 4;
          const x0 = v128.load(src);
          const x1 = v128.load(src + rowBytes);
          const x2 = v128.load(src + 2 * rowBytes);
          const x3 = v128.load(src + 3 * rowBytes);
          const x4 = v128.load(src + 4 * rowBytes);
          const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5); // a0 b0 a1 b1
          const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5); // c0 d0 c1 d1
          const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7); // a2 b2 a3 b3
          const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7); // c2 d2 c3 d3
          v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store32_lane(d, x4, 0, 16);
          v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 20);
          v128.store32_lane(d, x4, 1, 36);
          v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 40);
          v128.store32_lane(d, x4, 2, 56);
          v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 60);
          v128.store32_lane(d, x4, 3, 76);
          d += 80;
        }
      }
      for (; p < kc; p++) {
        const src = r0 + <usize>p * 4;
        for (let r = 0; r < MR; r++) store<f32>(d + <usize>r * 4, r < rows ? load<f32>(src + <usize>r * rowBytes) : 0);
        d += MR * 4;
      }
    }
  }
}

/** Packs op(b)[pc..pc+kc][jc..jc+nc] as ceil(nc/8) panels, each [kc][8], zero columns past n. */
function packB(b: usize, transB: i32, k: i32, n: i32, pc: i32, kc: i32, jc: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const j0 = jc + jr;
    let d = dst + <usize>(jr * kc) * 4;
    if (!transB) {
      // b is [k][n]: the 8 values of one p are contiguous.
      for (let p = 0; p < kc; p++) {
        const src = b + (<usize>(pc + p) * <usize>n + <usize>j0) * 4;
        if (cols == NR) {
          v128.store(d, v128.load(src));
          v128.store(d, v128.load(src, 16), 16);
        } else {
          for (let c = 0; c < NR; c++) store<f32>(d + <usize>c * 4, c < cols ? load<f32>(src + <usize>c * 4) : 0);
        }
        d += 32;
      }
    } else {
      // b is [n][k]: 8 rows side by side; full panels transpose two 4x4 blocks per 4 values of p.
      const r0 = b + (<usize>j0 * <usize>k + <usize>pc) * 4;
      const rowBytes = <usize>k * 4;
      let p = 0;
      if (cols == NR) {
        for (; p + 4 <= kc; p += 4) {
          for (let half = 0; half < 2; half++) {
            const src = r0 + <usize>p * 4 + <usize>(half * 4) * rowBytes;
            const x0 = v128.load(src);
            const x1 = v128.load(src + rowBytes);
            const x2 = v128.load(src + 2 * rowBytes);
            const x3 = v128.load(src + 3 * rowBytes);
            const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
            const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
            const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
            const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
            const o = d + <usize>half * 16;
            v128.store(o, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
            v128.store(o, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 32);
            v128.store(o, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 64);
            v128.store(o, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 96);
          }
          d += 128;
        }
      }
      for (; p < kc; p++) {
        const src = r0 + <usize>p * 4;
        for (let c = 0; c < NR; c++) store<f32>(d + <usize>c * 4, c < cols ? load<f32>(src + <usize>c * rowBytes) : 0);
        d += 32;
      }
    }
  }
}

/**
 * One 5x8 tile of products: tile[5][8] = (packed a panel [kc][5]) x (packed b panel [kc][8]).
 * Kept apart from the update of c, in its own small function: inside a larger one, V8 schedules every
 * load of a step before its arithmetic and spills accumulators.
 */
function kernel(pa: usize, pb: usize, kc: i32, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  // One step of p per iteration: unrolled, V8 hoists the next step's loads and spills accumulators.
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb, 0);
    const b1 = v128.load(pb, 16);
    const x0 = v128.load32_splat(pa, 0);
    c00 = f32x4.add(c00, f32x4.mul(x0, b0));
    c01 = f32x4.add(c01, f32x4.mul(x0, b1));
    const x1 = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(x1, b0));
    c11 = f32x4.add(c11, f32x4.mul(x1, b1));
    const x2 = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(x2, b0));
    c21 = f32x4.add(c21, f32x4.mul(x2, b1));
    const x3 = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(x3, b0));
    c31 = f32x4.add(c31, f32x4.mul(x3, b1));
    const x4 = v128.load32_splat(pa, 16);
    c40 = f32x4.add(c40, f32x4.mul(x4, b0));
    c41 = f32x4.add(c41, f32x4.mul(x4, b1));
    pa += MR * 4;
    pb += NR * 4;
  }
  v128.store(tile, c00, 0);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
  v128.store(tile, c40, 128);
  v128.store(tile, c41, 144);
}

/** c[0..rows][0..cols] += alpha * tile[5][8]. */
// @ts-ignore: decorator
@inline
function addTile(tile: usize, c: usize, ldc: i32, rows: i32, cols: i32, alpha: f32): void {
  const ld = <usize>ldc * 4;
  if (rows == MR && cols == NR) {
    const al = f32x4.splat(alpha);
    let o = c;
    for (let r = 0; r < MR; r++) {
      const t = tile + <usize>(r * NR * 4);
      v128.store(o, f32x4.add(v128.load(o), f32x4.mul(al, v128.load(t))));
      v128.store(o, f32x4.add(v128.load(o, 16), f32x4.mul(al, v128.load(t, 16))), 16);
      o += ld;
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const o = c + <usize>r * ld + <usize>j * 4;
      store<f32>(o, load<f32>(o) + alpha * load<f32>(tile + <usize>(r * NR + j) * 4));
    }
  }
}

/** c[0..count) *= beta, or = 0 when beta is 0 (so NaN in c does not survive, as in the reference). */
export function scale(c: usize, count: i32, beta: f32): void {
  if (beta == 0) {
    memory.fill(c, 0, <usize>count * 4);
    return;
  }
  const bv = f32x4.splat(beta);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = c + <usize>i * 4;
    v128.store(o, f32x4.mul(v128.load(o), bv));
  }
  for (; i < count; i++) {
    const o = c + <usize>i * 4;
    store<f32>(o, load<f32>(o) * beta);
  }
}
