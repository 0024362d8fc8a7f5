/*
 * Single-precision matrix products, BLIS-style: op(b) is packed into panels
 * NR columns wide ([k][NR], zero-padded), an L1-resident panel at a time,
 * and a register-blocked MR x NR micro-kernel multiplies MR rows of op(a) by
 * one panel. op(a) is read in place through two strides (row and column
 * step), so neither `a` nor `a^T` needs packing: the three products training
 * needs (X W^T, dZ^T X, dZ W) differ only in those strides and in how b is
 * packed (a plain copy, or a transpose for X W^T).
 *
 * Three kernel families, chosen at run time by CPU feature detection:
 *   avx512     8 x 32, 16 zmm accumulators (x86-64 with AVX-512F)
 *   avx2       6 x 16, 12 ymm accumulators (AVX2 + FMA)
 *   portable   4 x 8, plain C the compiler vectorizes for the build target
 * Each is compiled with a per-function target attribute, so one binary runs
 * on every x86-64 CPU and uses the best kernel it supports.
 */
#include "caviar.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define CAVIAR_X86 1
#include <immintrin.h>
#endif

/* Blocking: a KC x NR panel of b stays in L1 (256 x 32 floats = 32 KiB); a KC x NC block of b in L2 (1 MiB). */
#define KC 256
#define NC 1024
#define MC 240

typedef void (*micro_fn)(long kc, const float *a, long rs_a, long cs_a, const float *b, float *c, long ldc, long mr,
                         long nr, float alpha, float beta, const float *bias);
/* Packs op(b)[0..kc)[0..nc) with op(b)[p][j] = b[j * ldb + p] (b transposed) into NR-wide panels. */
typedef void (*pack_t_fn)(const float *b, long ldb, long kc, long nc, float *dst);

struct gemm_kernel {
  const char *name;
  int mr, nr;
  micro_fn micro;
  pack_t_fn pack_transposed;
};

static inline long min_l(long a, long b) { return a < b ? a : b; }

/* ---- Packing b, shared by every kernel ---- */

/* op(b)[p][j] = b[p * ldb + j]: each panel row is a contiguous run of b's row. */
static void pack_b_rows(const float *b, long ldb, long kc, long nc, int nr, float *dst) {
  for (long j0 = 0; j0 < nc; j0 += nr) {
    long w = min_l(nr, nc - j0);
    float *panel = dst + j0 * kc;
    for (long p = 0; p < kc; p++) {
      memcpy(panel + p * nr, b + p * ldb + j0, (size_t)w * sizeof(float));
      for (long j = w; j < nr; j++) panel[p * nr + j] = 0.0f;
    }
  }
}

/* The transposed pack, one element at a time: for edges and the portable kernel. */
static void pack_b_transposed_scalar(const float *b, long ldb, long kc, long nc, int nr, float *dst) {
  for (long j0 = 0; j0 < nc; j0 += nr) {
    long w = min_l(nr, nc - j0);
    float *panel = dst + j0 * kc;
    for (long j = 0; j < w; j++) {
      const float *row = b + (j0 + j) * ldb;
      for (long p = 0; p < kc; p++) panel[p * nr + j] = row[p];
    }
    for (long j = w; j < nr; j++)
      for (long p = 0; p < kc; p++) panel[p * nr + j] = 0.0f;
  }
}

/* ---- Portable kernel: 6 x 8, GCC/Clang vector extensions (SSE2 on x86-64, NEON on arm64) ---- */

#define P_MR 6
#define P_NR 8

typedef float v4f __attribute__((vector_size(16)));

static inline v4f load4(const float *p) {
  v4f v;
  memcpy(&v, p, sizeof v);
  return v;
}

static void micro_portable(long kc, const float *a, long rs_a, long cs_a, const float *b, float *c, long ldc, long mr,
                           long nr, float alpha, float beta, const float *bias) {
  v4f acc0[P_MR], acc1[P_MR];
  const float *ar[P_MR];
  for (int r = 0; r < P_MR; r++) {
    acc0[r] = acc1[r] = (v4f){0, 0, 0, 0};
    /* Rows past the edge read row 0 again (valid memory); their results are dropped. */
    ar[r] = a + (r < mr ? r : 0) * rs_a;
  }
  for (long p = 0, off = 0; p < kc; p++, off += cs_a, b += P_NR) {
    v4f b0 = load4(b), b1 = load4(b + 4);
#pragma GCC unroll 6
    for (int r = 0; r < P_MR; r++) {
      float x = ar[r][off];
      v4f av = {x, x, x, x};
      acc0[r] += av * b0;
      acc1[r] += av * b1;
    }
  }
  float tile[P_MR * P_NR];
  for (int r = 0; r < P_MR; r++) {
    memcpy(tile + r * P_NR, &acc0[r], sizeof(v4f));
    memcpy(tile + r * P_NR + 4, &acc1[r], sizeof(v4f));
  }
  for (long r = 0; r < mr; r++) {
    float *cr = c + r * ldc;
    for (long j = 0; j < nr; j++) {
      float v = alpha * tile[r * P_NR + j];
      if (beta != 0.0f) v += beta * cr[j];
      if (bias) v += bias[j];
      cr[j] = v;
    }
  }
}

static void pack_t_portable(const float *b, long ldb, long kc, long nc, float *dst) {
  pack_b_transposed_scalar(b, ldb, kc, nc, P_NR, dst);
}

static const gemm_kernel kernel_portable = {"portable", P_MR, P_NR, micro_portable, pack_t_portable};

#ifdef CAVIAR_X86

/* ---- AVX2 + FMA kernel: 6 x 16 ---- */

#define A2_MR 6
#define A2_NR 16
#define TARGET_AVX2 __attribute__((target("avx2,fma")))

TARGET_AVX2 static void micro_avx2(long kc, const float *a, long rs_a, long cs_a, const float *b, float *c, long ldc,
                                   long mr, long nr, float alpha, float beta, const float *bias) {
  __m256 acc0[A2_MR], acc1[A2_MR];
  const float *ar[A2_MR];
#pragma GCC unroll 6
  for (int r = 0; r < A2_MR; r++) {
    acc0[r] = _mm256_setzero_ps();
    acc1[r] = _mm256_setzero_ps();
    ar[r] = a + (r < mr ? r : 0) * rs_a;
  }
  for (long p = 0, off = 0; p < kc; p++, off += cs_a, b += A2_NR) {
    __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 6
    for (int r = 0; r < A2_MR; r++) {
      __m256 av = _mm256_broadcast_ss(ar[r] + off);
      acc0[r] = _mm256_fmadd_ps(av, b0, acc0[r]);
      acc1[r] = _mm256_fmadd_ps(av, b1, acc1[r]);
    }
  }
  __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  if (mr == A2_MR && nr == A2_NR) {
    __m256 bias0 = bias ? _mm256_loadu_ps(bias) : _mm256_setzero_ps();
    __m256 bias1 = bias ? _mm256_loadu_ps(bias + 8) : _mm256_setzero_ps();
#pragma GCC unroll 6
    for (int r = 0; r < A2_MR; r++) {
      float *cr = c + r * ldc;
      __m256 x0 = _mm256_fmadd_ps(va, acc0[r], bias0), x1 = _mm256_fmadd_ps(va, acc1[r], bias1);
      if (beta != 0.0f) {
        x0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(cr), x0);
        x1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(cr + 8), x1);
      }
      _mm256_storeu_ps(cr, x0);
      _mm256_storeu_ps(cr + 8, x1);
    }
    return;
  }
  /* Edge tile: spill to memory, then write the valid part. */
  float tile[A2_MR * A2_NR] __attribute__((aligned(32)));
#pragma GCC unroll 6
  for (int r = 0; r < A2_MR; r++) {
    _mm256_store_ps(tile + r * A2_NR, acc0[r]);
    _mm256_store_ps(tile + r * A2_NR + 8, acc1[r]);
  }
  for (long r = 0; r < mr; r++) {
    float *cr = c + r * ldc;
    for (long j = 0; j < nr; j++) {
      float v = alpha * tile[r * A2_NR + j];
      if (beta != 0.0f) v += beta * cr[j];
      if (bias) v += bias[j];
      cr[j] = v;
    }
  }
}

/* In-register 8 x 8 transpose of r[0..8). */
TARGET_AVX2 static inline void transpose8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 4; i++) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int g = 0; g < 2; g++) {
    u[4 * g + 0] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
    u[4 * g + 1] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
    u[4 * g + 2] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
    u[4 * g + 3] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
  }
  for (int c = 0; c < 4; c++) {
    r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
    r[c + 4] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
  }
}

TARGET_AVX2 static void pack_t_avx2(const float *b, long ldb, long kc, long nc, float *dst) {
  long full_j = nc - nc % A2_NR, full_p = kc - kc % 8;
  for (long j0 = 0; j0 < full_j; j0 += A2_NR) {
    float *panel = dst + j0 * kc;
    for (long p0 = 0; p0 < full_p; p0 += 8) {
      for (int h = 0; h < A2_NR; h += 8) {
        __m256 r[8];
        for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(b + (j0 + h + i) * ldb + p0);
        transpose8(r);
        for (int i = 0; i < 8; i++) _mm256_store_ps(panel + (p0 + i) * A2_NR + h, r[i]);
      }
    }
    for (long j = 0; j < A2_NR; j++)
      for (long p = full_p; p < kc; p++) panel[p * A2_NR + j] = b[(j0 + j) * ldb + p];
  }
  if (full_j < nc) pack_b_transposed_scalar(b + full_j * ldb, ldb, kc, nc - full_j, A2_NR, dst + full_j * kc);
}

static const gemm_kernel kernel_avx2 = {"avx2", A2_MR, A2_NR, micro_avx2, pack_t_avx2};

/* ---- AVX-512 kernel: 8 x 32 ---- */

#define A5_MR 8
#define A5_NR 32
#define TARGET_AVX512 __attribute__((target("avx512f")))

TARGET_AVX512 static void micro_avx512(long kc, const float *a, long rs_a, long cs_a, const float *b, float *c,
                                       long ldc, long mr, long nr, float alpha, float beta, const float *bias) {
  __m512 acc0[A5_MR], acc1[A5_MR];
  const float *ar[A5_MR];
#pragma GCC unroll 8
  for (int r = 0; r < A5_MR; r++) {
    acc0[r] = _mm512_setzero_ps();
    acc1[r] = _mm512_setzero_ps();
    ar[r] = a + (r < mr ? r : 0) * rs_a;
  }
  for (long p = 0, off = 0; p < kc; p++, off += cs_a, b += A5_NR) {
    __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 8
    for (int r = 0; r < A5_MR; r++) {
      __m512 av = _mm512_set1_ps(ar[r][off]);
      acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
      acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
    }
  }
  /* Columns past the edge are masked off; rows past it are not written. */
  __mmask16 m0 = nr >= 16 ? 0xFFFF : (__mmask16)((1u << nr) - 1);
  __mmask16 m1 = nr >= 32 ? 0xFFFF : nr <= 16 ? 0 : (__mmask16)((1u << (nr - 16)) - 1);
  __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  __m512 bias0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
  __m512 bias1 = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
#pragma GCC unroll 8
  for (int r = 0; r < A5_MR; r++) {
    if (r < mr) {
      float *cr = c + r * ldc;
      __m512 x0 = _mm512_fmadd_ps(va, acc0[r], bias0), x1 = _mm512_fmadd_ps(va, acc1[r], bias1);
      if (beta != 0.0f) {
        x0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, cr), x0);
        x1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, cr + 16), x1);
      }
      _mm512_mask_storeu_ps(cr, m0, x0);
      _mm512_mask_storeu_ps(cr + 16, m1, x1);
    }
  }
}

/*
 * In-register 16 x 16 transpose of r[0..16): pairs of rows interleave
 * (unpack), then quads (shuffle), then 128-bit lanes (two shuffle_f32x4 rounds).
 */
TARGET_AVX512 static inline void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 8; i++) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  /* u[4g + c] holds rows 4g..4g+3 of columns c, c+4, c+8, c+12 (one per 128-bit lane). */
  for (int g = 0; g < 4; g++) {
    u[4 * g + 0] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
    u[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
    u[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
    u[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
  }
  for (int c = 0; c < 4; c++) {
    __m512 v = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88), vp = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
    __m512 w = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88), wp = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
    r[c] = _mm512_shuffle_f32x4(v, w, 0x88);
    r[c + 8] = _mm512_shuffle_f32x4(v, w, 0xDD);
    r[c + 4] = _mm512_shuffle_f32x4(vp, wp, 0x88);
    r[c + 12] = _mm512_shuffle_f32x4(vp, wp, 0xDD);
  }
}

TARGET_AVX512 static void pack_t_avx512(const float *b, long ldb, long kc, long nc, float *dst) {
  long full_p = kc - kc % 16;
  __mmask16 tail = (__mmask16)((1u << (kc - full_p)) - 1);
  for (long j0 = 0; j0 < nc; j0 += A5_NR) {
    float *panel = dst + j0 * kc;
    for (int h = 0; h < A5_NR; h += 16) {
      long rows = min_l(16, nc - j0 - h); /* rows of b (columns of op(b)) present in this half */
      __m512 r[16];
      for (long p0 = 0; p0 < kc; p0 += 16) {
        __mmask16 mask = p0 < full_p ? 0xFFFF : tail;
        for (int i = 0; i < 16; i++)
          r[i] = i < rows ? _mm512_maskz_loadu_ps(mask, b + (j0 + h + i) * ldb + p0) : _mm512_setzero_ps();
        transpose16(r);
        long np = min_l(16, kc - p0);
        for (int i = 0; i < np; i++) _mm512_store_ps(panel + (p0 + i) * A5_NR + h, r[i]);
      }
    }
  }
}

static const gemm_kernel kernel_avx512 = {"avx512", A5_MR, A5_NR, micro_avx512, pack_t_avx512};

#endif /* CAVIAR_X86 */

/* ---- Dispatch ---- */

static const gemm_kernel *supported[3];
static int supported_count = 0;
static char features[128];

static void detect(void) {
  if (supported_count) return;
  int n = 0;
#ifdef CAVIAR_X86
  __builtin_cpu_init();
  int avx512f = __builtin_cpu_supports("avx512f");
  int avx2 = __builtin_cpu_supports("avx2");
  int fma = __builtin_cpu_supports("fma");
  snprintf(features, sizeof features, "%s%s%s%s", avx512f ? "avx512f," : "", avx2 ? "avx2," : "", fma ? "fma," : "",
           __builtin_cpu_supports("sse2") ? "sse2," : "");
  size_t len = strlen(features);
  if (len) features[len - 1] = '\0';
  if (avx512f) supported[n++] = &kernel_avx512;
  if (avx2 && fma) supported[n++] = &kernel_avx2;
#endif
  supported[n++] = &kernel_portable;
  supported_count = n;
}

const gemm_kernel *const *gemm_kernels_supported(int *count) {
  detect();
  *count = supported_count;
  return supported;
}

const char *gemm_kernel_name(const gemm_kernel *k) { return k->name; }

const char *cpu_features(void) {
  detect();
  return features;
}

static int reserve(gemm_scratch *s, size_t floats) {
  if (s->capacity >= floats) return 0;
  free(s->data);
  size_t bytes = (floats * sizeof(float) + 63) & ~(size_t)63;
  s->data = aligned_alloc(64, bytes);
  s->capacity = s->data ? floats : 0;
  return s->data ? 0 : -1;
}

void gemm_scratch_free(gemm_scratch *s) {
  free(s->data);
  s->data = NULL;
  s->capacity = 0;
}

/* Splits `total` into equal blocks of at most `max`, rounded up to `align`: 784 -> 208, 208, 208, 160. */
static long block_size(long total, long max, long align) {
  long blocks = (total + max - 1) / max;
  long size = (total + blocks - 1) / blocks;
  size = (size + align - 1) / align * align;
  return size < max ? size : max;
}

int gemm_f32(const gemm_kernel *kernel, gemm_scratch *scratch, int trans_a, int trans_b, long m, long n, long k,
             float alpha, const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc,
             const float *bias) {
  if (m == 0 || n == 0) return 0;
  if (k == 0 || alpha == 0.0f) {
    for (long i = 0; i < m; i++) {
      float *ci = c + i * ldc;
      for (long j = 0; j < n; j++) ci[j] = (beta == 0.0f ? 0.0f : beta * ci[j]) + (bias ? bias[j] : 0.0f);
    }
    return 0;
  }
  const int mr = kernel->mr, nr = kernel->nr;
  /* op(a)[i][p] = a[i * rs_a + p * cs_a]. */
  const long rs_a = trans_a ? 1 : lda, cs_a = trans_a ? lda : 1;
  const long kc_max = block_size(k, KC, 16);
  const long nc_max = block_size(n, NC, nr);
  if (reserve(scratch, (size_t)kc_max * (size_t)((nc_max + nr - 1) / nr * nr))) return -1;
  float *packed = scratch->data;

  for (long pc = 0; pc < k; pc += kc_max) {
    const long kc = min_l(kc_max, k - pc);
    /* The first k-block applies beta and the bias; later ones accumulate. */
    const float beta_k = pc == 0 ? beta : 1.0f;
    const float *bias_k = pc == 0 ? bias : NULL;
    for (long jc = 0; jc < n; jc += nc_max) {
      const long nc = min_l(nc_max, n - jc);
      if (trans_b) kernel->pack_transposed(b + jc * ldb + pc, ldb, kc, nc, packed);
      else pack_b_rows(b + pc * ldb + jc, ldb, kc, nc, nr, packed);
      for (long ic = 0; ic < m; ic += MC) {
        const long mc = min_l(MC, m - ic);
        for (long jr = 0; jr < nc; jr += nr) {
          const float *panel = packed + jr * kc;
          for (long ir = 0; ir < mc; ir += mr) {
            const long i = ic + ir, j = jc + jr;
            kernel->micro(kc, a + i * rs_a + pc * cs_a, rs_a, cs_a, panel, c + i * ldc + j, ldc, min_l(mr, mc - ir),
                          min_l(nr, nc - jr), alpha, beta_k, bias_k ? bias_k + j : NULL);
          }
        }
      }
    }
  }
  return 0;
}
