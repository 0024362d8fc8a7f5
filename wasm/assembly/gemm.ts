/**
 * Matrix product for the WebAssembly backend: c[m][n] += alpha * op(a) op(b),
 * the GotoBLAS way. op(b) is packed, KC rows by NC columns at a time, into
 * panels 8 columns wide; op(a) is packed, MC rows by KC at a time, into
 * panels 4 rows tall; a register-blocked 4x8 micro-kernel (eight f32x4
 * accumulators, two b vectors and one broadcast a: 11 of x64's 16 vector
 * registers) walks one b panel (KC x 8, 8 KB, stays in L1) against every a
 * panel of the block (in L2). Panels are zero-padded at the edges, so the
 * kernel always computes a whole 4x8 tile and only its store is clipped.
 *
 * Pointers are byte offsets into linear memory, owned by the caller
 * (src/backend/wasm.ts); beta is applied by the caller before the call.
 */

export const MR: i32 = 4;
export const NR: i32 = 8;
export const KC: i32 = 256;
export const MC: i32 = 64;
export const NC: i32 = 512;

/** Floats of scratch memory gemm needs: the packed a block, the packed b block and one tile. */
export function gemmScratchFloats(): i32 {
  return MC * KC + KC * NC + MR * NR;
}

/**
 * c [m][n] += alpha * op(a) [m][k] * op(b) [k][n]. a is [m][k], or [k][m]
 * when transA; b is [k][n], or [n][k] when transB.
 */
export function gemm(
  a: usize, transA: i32, b: usize, transB: i32, c: usize, m: i32, n: i32, k: i32, alpha: f32, scratch: usize,
): void {
  const packedA = scratch;
  const packedB = packedA + <usize>(MC * KC) * 4;
  const tile = packedB + <usize>(KC * NC) * 4;
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    for (let jc = 0; jc < n; jc += NC) {
      const nc = min(NC, n - jc);
      packB(b, transB, k, n, pc, kc, jc, nc, packedB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(a, transA, m, k, ic, mc, pc, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const pb = packedB + <usize>(jr * kc) * 4;
          const nr = min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const pa = packedA + <usize>(ir * kc) * 4;
            const cp = c + (<usize>(ic + ir) * <usize>n + <usize>(jc + jr)) * 4;
            kernel(pa, pb, kc, cp, n, min(MR, mc - ir), nr, alpha, tile);
          }
        }
      }
    }
  }
}

/** Packs op(a)[ic..ic+mc][pc..pc+kc] as ceil(mc/4) panels, each [kc][4], zero rows past m. */
function packA(a: usize, transA: i32, m: i32, k: i32, ic: i32, mc: i32, pc: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const i0 = ic + ir;
    let d = dst + <usize>(ir * kc) * 4;
    if (transA) {
      // a is [k][m]: the 4 values of one p are contiguous.
      for (let p = 0; p < kc; p++) {
        const src = a + (<usize>(pc + p) * <usize>m + <usize>i0) * 4;
        if (rows == MR) v128.store(d, v128.load(src));
        else for (let r = 0; r < MR; r++) store<f32>(d + <usize>r * 4, r < rows ? load<f32>(src + <usize>r * 4) : 0);
        d += 16;
      }
    } else {
      // a is [m][k]: read 4 rows side by side, 4 columns at a time, and transpose each 4x4 block in registers.
      const r0 = a + (<usize>i0 * <usize>k + <usize>pc) * 4;
      const rowBytes = <usize>k * 4;
      if (rows == MR) {
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          const src = r0 + <usize>p * 4;
          const x0 = v128.load(src);
          const x1 = v128.load(src + rowBytes);
          const x2 = v128.load(src + 2 * rowBytes);
          const x3 = v128.load(src + 3 * rowBytes);
          const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5); // a0 b0 a1 b1
          const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5); // c0 d0 c1 d1
          const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7); // a2 b2 a3 b3
          const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7); // c2 d2 c3 d3
          v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
          v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
          v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
          d += 64;
        }
        for (; p < kc; p++) {
          const src = r0 + <usize>p * 4;
          for (let r = 0; r < MR; r++) store<f32>(d + <usize>r * 4, load<f32>(src + <usize>r * rowBytes));
          d += 16;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const src = r0 + <usize>p * 4;
          for (let r = 0; r < MR; r++) store<f32>(d + <usize>r * 4, r < rows ? load<f32>(src + <usize>r * rowBytes) : 0);
          d += 16;
        }
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

/** One 4x8 tile: c[0..rows][0..cols] += alpha * (packed a panel [kc][4]) x (packed b panel [kc][8]). */
// @ts-ignore: decorator
@inline
function kernel(pa: usize, pb: usize, kc: i32, c: usize, ldc: i32, rows: i32, cols: i32, alpha: f32, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let b0: v128, b1: v128, x: v128;
  // Two steps of p per iteration: half the loop overhead.
  let p = 0;
  for (; p + 2 <= kc; p += 2) {
    b0 = v128.load(pb, 0);
    b1 = v128.load(pb, 16);
    x = v128.load32_splat(pa, 0);
    c00 = f32x4.add(c00, f32x4.mul(x, b0));
    c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(x, b0));
    c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(x, b0));
    c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(x, b0));
    c31 = f32x4.add(c31, f32x4.mul(x, b1));
    b0 = v128.load(pb, 32);
    b1 = v128.load(pb, 48);
    x = v128.load32_splat(pa, 16);
    c00 = f32x4.add(c00, f32x4.mul(x, b0));
    c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(pa, 20);
    c10 = f32x4.add(c10, f32x4.mul(x, b0));
    c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(pa, 24);
    c20 = f32x4.add(c20, f32x4.mul(x, b0));
    c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(pa, 28);
    c30 = f32x4.add(c30, f32x4.mul(x, b0));
    c31 = f32x4.add(c31, f32x4.mul(x, b1));
    pa += 32;
    pb += 64;
  }
  if (p < kc) {
    b0 = v128.load(pb, 0);
    b1 = v128.load(pb, 16);
    x = v128.load32_splat(pa, 0);
    c00 = f32x4.add(c00, f32x4.mul(x, b0));
    c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(x, b0));
    c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(x, b0));
    c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(x, b0));
    c31 = f32x4.add(c31, f32x4.mul(x, b1));
  }
  const al = f32x4.splat(alpha);
  const ld = <usize>ldc * 4;
  if (rows == MR && cols == NR) {
    let o = c;
    v128.store(o, f32x4.add(v128.load(o), f32x4.mul(al, c00)));
    v128.store(o, f32x4.add(v128.load(o, 16), f32x4.mul(al, c01)), 16);
    o += ld;
    v128.store(o, f32x4.add(v128.load(o), f32x4.mul(al, c10)));
    v128.store(o, f32x4.add(v128.load(o, 16), f32x4.mul(al, c11)), 16);
    o += ld;
    v128.store(o, f32x4.add(v128.load(o), f32x4.mul(al, c20)));
    v128.store(o, f32x4.add(v128.load(o, 16), f32x4.mul(al, c21)), 16);
    o += ld;
    v128.store(o, f32x4.add(v128.load(o), f32x4.mul(al, c30)));
    v128.store(o, f32x4.add(v128.load(o, 16), f32x4.mul(al, c31)), 16);
    return;
  }
  // An edge tile: spill the accumulators, then add only the rows and columns that exist.
  v128.store(tile, f32x4.mul(al, c00));
  v128.store(tile, f32x4.mul(al, c01), 16);
  v128.store(tile, f32x4.mul(al, c10), 32);
  v128.store(tile, f32x4.mul(al, c11), 48);
  v128.store(tile, f32x4.mul(al, c20), 64);
  v128.store(tile, f32x4.mul(al, c21), 80);
  v128.store(tile, f32x4.mul(al, c30), 96);
  v128.store(tile, f32x4.mul(al, c31), 112);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const o = c + <usize>r * ld + <usize>j * 4;
      store<f32>(o, load<f32>(o) + load<f32>(tile + <usize>(r * NR + j) * 4));
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
