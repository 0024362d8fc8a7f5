/*
 * caviar's native kernels: float32 only, single-threaded, no allocation per
 * call after warm-up. The N-API glue (addon.c) checks every argument; the
 * kernels here trust their inputs.
 */
#ifndef CAVIAR_H
#define CAVIAR_H

#include <stddef.h>

/* One implementation of the matrix-product micro-kernel and its packing. */
typedef struct gemm_kernel gemm_kernel;

/* Grow-only scratch for packed B panels; one per Node environment (worker thread). */
typedef struct {
  float *data;
  size_t capacity; /* in floats */
} gemm_scratch;

/* The kernels this CPU can run, best first; `count` is set to their number. */
const gemm_kernel *const *gemm_kernels_supported(int *count);
const char *gemm_kernel_name(const gemm_kernel *k);

/* Comma-separated CPU features detected at load time, e.g. "avx512f,avx2,fma". */
const char *cpu_features(void);

/*
 * c[m][n] = alpha * op(a) op(b) + beta * c (+ bias[j] on every row when bias
 * is not NULL), op(x) = x or x^T. a is stored [rows][lda], b [rows][ldb].
 * Returns 0, or -1 when scratch memory could not be allocated.
 */
int gemm_f32(const gemm_kernel *kernel, gemm_scratch *scratch, int trans_a, int trans_b, long m, long n, long k,
             float alpha, const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc,
             const float *bias);

void gemm_scratch_free(gemm_scratch *scratch);

/* Activation codes shared with src/backend/native.ts. */
enum { ACT_LINEAR = 0, ACT_RELU = 1, ACT_LEAKY_RELU = 2, ACT_TANH = 3, ACT_SIGMOID = 4 };

/* The element-wise kernels of one instruction set (ops_impl.h); formulas as in src/backend/reference.ts. */
typedef struct {
  const char *name;
  void (*add_row_vector)(float *m, long rows, long cols, const float *v);
  void (*sum_rows)(const float *m, long rows, long cols, float *out);
  void (*activation_forward)(int kind, float slope, const float *z, float *a, long n);
  void (*activation_backward)(int kind, float slope, const float *z, const float *a, const float *da, float *dz, long n);
  void (*batch_norm_train)(const float *z, long m, long n, const float *gamma, const float *beta, float eps, float *mean,
                           float *variance, float *inv_std, float *z_hat, float *out);
  void (*batch_norm_eval)(const float *z, long m, long n, const float *gamma, const float *beta,
                          const float *running_mean, const float *running_var, float eps, float *out);
  void (*batch_norm_backward)(const float *d_out, const float *z_hat, long m, long n, const float *gamma,
                              const float *inv_std, float *dz, float *d_gamma, float *d_beta);
  void (*softmax_rows)(const float *z, long m, long c, float *probs);
  double (*softmax_cross_entropy)(const float *z, long m, long c, const int *labels, float *probs, float *dz);
  double (*sigmoid_binary_cross_entropy)(const float *z, long m, const int *labels, float *probs, float *dz);
  long (*count_correct)(const float *probs, long m, long c, const int *labels);
  void (*multiply)(const float *a, const float *mask, float *out, long n);
  void (*sgd_step)(float *w, const float *g, long n, double lr, double weight_decay);
  void (*momentum_step)(float *w, const float *g, float *v, long n, double lr, double beta, double weight_decay);
  void (*rmsprop_step)(float *w, const float *g, float *s, long n, double lr, double beta, double eps,
                       double weight_decay);
  void (*adam_step)(float *w, const float *g, float *v, float *s, long n, double lr, double beta1, double beta2,
                    double eps, double t, double weight_decay);
} ops_table;

/* The element-wise kernels for a kernel family name ("avx512", "avx2", "portable"). */
const ops_table *ops_named(const char *name);

#endif
