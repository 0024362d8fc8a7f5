/*
 * The N-API face of the native kernels: one function per Backend method,
 * taking typed arrays and plain numbers (no objects are created per call).
 * Every argument is checked here, types and lengths, so that a wrong call
 * throws a JavaScript error instead of touching memory it does not own.
 * Shape checks with the reference backend's messages happen in native.ts.
 *
 * State (the packing scratch and the chosen kernel) lives in per-environment
 * instance data, so worker threads each get their own.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caviar.h"

typedef struct {
  gemm_scratch scratch;
  const gemm_kernel *kernel;
  const ops_table *ops; /* the element-wise kernels of the same instruction set */
} state_t;

/* Reads arguments in order; the first bad one throws and makes every later read a no-op. */
typedef struct {
  napi_env env;
  const char *fn;
  napi_value argv[12];
  size_t argc;
  int ok;
} args_t;

static int args_init(args_t *A, napi_env env, napi_callback_info info, const char *fn, size_t expected) {
  A->env = env;
  A->fn = fn;
  A->argc = 12;
  A->ok = napi_get_cb_info(env, info, &A->argc, A->argv, NULL, NULL) == napi_ok;
  if (A->ok && A->argc < expected) {
    char msg[160];
    snprintf(msg, sizeof msg, "caviar native %s: expected %zu arguments, got %zu", fn, expected, A->argc);
    napi_throw_type_error(env, NULL, msg);
    A->ok = 0;
  }
  return A->ok;
}

static void fail(args_t *A, int range, const char *what, const char *detail) {
  if (!A->ok) return;
  char msg[256];
  snprintf(msg, sizeof msg, "caviar native %s: %s %s", A->fn, what, detail);
  if (range) napi_throw_range_error(A->env, NULL, msg);
  else napi_throw_type_error(A->env, NULL, msg);
  A->ok = 0;
}

static void *typed(args_t *A, size_t i, napi_typedarray_type want, size_t need, const char *what, int nullable) {
  if (!A->ok) return NULL;
  napi_valuetype vt;
  if (nullable && napi_typeof(A->env, A->argv[i], &vt) == napi_ok && (vt == napi_null || vt == napi_undefined)) {
    return NULL;
  }
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(A->env, A->argv[i], &type, &length, &data, NULL, NULL) != napi_ok || type != want) {
    fail(A, 0, what, want == napi_float32_array ? "must be a Float32Array" : "must be an Int32Array");
    return NULL;
  }
  if (length < need) {
    char detail[96];
    snprintf(detail, sizeof detail, "holds %zu values, needs %zu", length, need);
    fail(A, 1, what, detail);
    return NULL;
  }
  return data;
}

static float *f32(args_t *A, size_t i, size_t need, const char *what) {
  return (float *)typed(A, i, napi_float32_array, need, what, 0);
}

static float *f32_or_null(args_t *A, size_t i, size_t need, const char *what) {
  return (float *)typed(A, i, napi_float32_array, need, what, 1);
}

static double num(args_t *A, size_t i, const char *what) {
  double v = 0;
  if (A->ok && napi_get_value_double(A->env, A->argv[i], &v) != napi_ok) fail(A, 0, what, "must be a number");
  return v;
}

/* A size: an integer in [0, 2^31). */
static long size_arg(args_t *A, size_t i, const char *what) {
  double v = num(A, i, what);
  if (A->ok && !(v >= 0 && v < 2147483648.0 && v == (double)(long)v)) fail(A, 1, what, "must be a non-negative integer");
  return A->ok ? (long)v : 0;
}

static int flag(args_t *A, size_t i, const char *what) {
  bool v = false;
  if (A->ok && napi_get_value_bool(A->env, A->argv[i], &v) != napi_ok) fail(A, 0, what, "must be a boolean");
  return v;
}

/* Labels index rows of probabilities, so each must name a class: 0 <= y < classes (0 or 1 for one column). */
static const int *labels_arg(args_t *A, size_t i, long m, long classes) {
  const int *y = (const int *)typed(A, i, napi_int32_array, (size_t)m, "labels", 0);
  if (!y) return NULL;
  long limit = classes < 2 ? 2 : classes;
  for (long r = 0; r < m; r++) {
    if (y[r] < 0 || y[r] >= limit) {
      char detail[96];
      snprintf(detail, sizeof detail, "[%ld] is %d, outside 0..%ld", r, y[r], limit - 1);
      fail(A, 1, "labels", detail);
      return NULL;
    }
  }
  return y;
}

static state_t *state(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return (state_t *)data;
}

static napi_value undefined(napi_env env) {
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

static napi_value number(napi_env env, double x) {
  napi_value v;
  napi_create_double(env, x, &v);
  return v;
}

/* gemm(a, aRows, aCols, transA, b, bRows, bCols, transB, out, alpha, beta, bias | null) */
static napi_value js_gemm(napi_env env, napi_callback_info info) {
  args_t A;
  if (!args_init(&A, env, info, "gemm", 12)) return NULL;
  long ar = size_arg(&A, 1, "aRows"), ac = size_arg(&A, 2, "aCols");
  int ta = flag(&A, 3, "transA");
  long br = size_arg(&A, 5, "bRows"), bc = size_arg(&A, 6, "bCols");
  int tb = flag(&A, 7, "transB");
  float alpha = (float)num(&A, 9, "alpha"), beta = (float)num(&A, 10, "beta");
  long m = ta ? ac : ar, k = ta ? ar : ac, kb = tb ? bc : br, n = tb ? br : bc;
  if (A.ok && k != kb) fail(&A, 1, "op(a) and op(b)", "disagree on the inner dimension");
  const float *a = f32(&A, 0, (size_t)(ar * ac), "a");
  const float *b = f32(&A, 4, (size_t)(br * bc), "b");
  float *c = f32(&A, 8, (size_t)(m * n), "out");
  const float *bias = f32_or_null(&A, 11, (size_t)n, "bias");
  if (!A.ok) return NULL;
  state_t *st = state(env);
  if (gemm_f32(st->kernel, &st->scratch, ta, tb, m, n, k, alpha, a, ac, b, bc, beta, c, n, bias)) {
    napi_throw_error(env, NULL, "caviar native gemm: out of memory for packing buffers");
    return NULL;
  }
  return undefined(env);
}

/* addRowVector(m, rows, cols, v) */
static napi_value js_add_row_vector(napi_env env, napi_callback_info info) {
  args_t A;
  if (!args_init(&A, env, info, "addRowVector", 4)) return NULL;
  long rows = size_arg(&A, 1, "rows"), cols = size_arg(&A, 2, "cols");
  float *m = f32(&A, 0, (size_t)(rows * cols), "m");
  const float *v = f32(&A, 3, (size_t)cols, "v");
  if (!A.ok) return NULL;
  state(env)->ops->add_row_vector(m, rows, cols, v);
  return undefined(env);
}

/* sumRows(m, rows, cols, out) */
static napi_value js_sum_rows(napi_env env, napi_callback_info info) {
  args_t A;
  if (!args_init(&A, env, info, "sumRows", 4)) return NULL;
  long rows = size_arg(&A, 1, "rows"), cols = size_arg(&A, 2, "cols");
  const float *m = f32(&A, 0, (size_t)(rows * cols), "m");
  float *out = f32(&A, 3, (size_t)cols, "out");
  if (!A.ok) return NULL;
  state(env)->ops->sum_rows(m, rows, cols, out);
  return undefined(env);
}

/* activationForward(kind, slope, z, a, n) */
static napi_value js_activation_forward(napi_env env, napi_callback_info info) {
  args_t A;
  if (!args_init(&A, env, info, "activationForward", 5)) return NULL;
  long kind = size_arg(&A, 0, "kind");
  float slope = (float)num(&A, 1, "slope");
  long n = size_arg(&A, 4, "n");
  const float *z = f32(&A, 2, (size_t)n, "z");
  float *a = f32(&A, 3, (size_t)n, "a");
  if (A.ok && kind > ACT_SIGMOID) fail(&A, 1, "kind", "is not an activation code");
  if (!A.ok) return NULL;
  state(env)->ops->activation_forward((int)kind, slope, z, a, n);
  return undefined(env);
}

/* activationBackward(kind, slope, z, a, da, dz, n) */
static napi_value js_activation_backward(napi_env env, napi_callback_info info) {
  args_t A;
  if (!args_init(&A, env, info, "activationBackward", 7)) return NULL;
  long kind = size_arg(&A, 0, "kind");
  float slope = (float)num(&A, 1, "slope");
  long n = size_arg(&A, 6, "n");
  const float *z = f32(&A, 2, (size_t)n, "z");
  const float *a = f32(&A, 3, (size_t)n, "a");
  const float *da = f32(&A, 4, (size_t)n, "da");
  float *dz = f32(&A, 5, (size_t)n, "dz");
  if (A.ok && kind > ACT_SIGMOID) fail(&A, 1, "kind", "is not an activation code");
  if (!A.ok) return NULL;
  state(env)->ops->activation_backward((int)kind, slope, z, a, da, dz, n);
  return undefined(env);
}

/* batchNormTrain(z, m, n, gamma, beta, eps, mean, variance, invStd, zHat, out) */
static napi_value js_batch_norm_train(napi_env env, napi_callback_info info) {
  args_t A;
  if (!args_init(&A, env, info, "batchNormTrain", 11)) return NULL;
  long m = size_arg(&A, 1, "m"), n = size_arg(&A, 2, "n");
  size_t mn = (size_t)(m * n);
  const float *z = f32(&A, 0, mn, "z");
  const float *gamma = f32(&A, 3, (size_t)n, "gamma"), *beta = f32(&A, 4, (size_t)n, "beta");
  float eps = (float)num(&A, 5, "eps");
  float *mean = f32(&A, 6, (size_t)n, "mean"), *variance = f32(&A, 7, (size_t)n, "variance");
  float *inv_std = f32(&A, 8, (size_t)n, "invStd");
  float *z_hat = f32(&A, 9, mn, "zHat"), *out = f32(&A, 10, mn, "out");
  if (A.ok && m < 1) fail(&A, 1, "m", "must be at least 1");
  if (!A.ok) return NULL;
  state(env)->ops->batch_norm_train(z, m, n, gamma, beta, eps, mean, variance, inv_std, z_hat, out);
  return undefined(env);
}

/* batchNormEval(z, m, n, gamma, beta, runningMean, runningVar, eps, out) */
static napi_value js_batch_norm_eval(napi_env env, napi_callback_info info) {
  args_t A;
  if (!args_init(&A, env, info, "batchNormEval", 9)) return NULL;
  long m = size_arg(&A, 1, "m"), n = size_arg(&A, 2, "n");
  size_t mn = (size_t)(m * n);
  const float *z = f32(&A, 0, mn, "z");
  const float *gamma = f32(&A, 3, (size_t)n, "gamma"), *beta = f32(&A, 4, (size_t)n, "beta");
  const float *rm = f32(&A, 5, (size_t)n, "runningMean"), *rv = f32(&A, 6, (size_t)n, "runningVar");
  float eps = (float)num(&A, 7, "eps");
  float *out = f32(&A, 8, mn, "out");
  if (!A.ok) return NULL;
  state(env)->ops->batch_norm_eval(z, m, n, gamma, beta, rm, rv, eps, out);
  return undefined(env);
}

/* batchNormBackward(dOut, zHat, m, n, gamma, invStd, dz, dGamma, dBeta) */
static napi_value js_batch_norm_backward(napi_env env, napi_callback_info info) {
  args_t A;
  if (!args_init(&A, env, info, "batchNormBackward", 9)) return NULL;
  long m = size_arg(&A, 2, "m"), n = size_arg(&A, 3, "n");
  size_t mn = (size_t)(m * n);
  const float *d_out = f32(&A, 0, mn, "dOut"), *z_hat = f32(&A, 1, mn, "zHat");
  const float *gamma = f32(&A, 4, (size_t)n, "gamma"), *inv_std = f32(&A, 5, (size_t)n, "invStd");
  float *dz = f32(&A, 6, mn, "dz");
  float *d_gamma = f32(&A, 7, (size_t)n, "dGamma"), *d_beta = f32(&A, 8, (size_t)n, "dBeta");
  if (!A.ok) return NULL;
  state(env)->ops->batch_norm_backward(d_out, z_hat, m, n, gamma, inv_std, dz, d_gamma, d_beta);
  return undefined(env);
}

/* softmax(z, m, c, probs) */
static napi_value js_softmax(napi_env env, napi_callback_info info) {
  args_t A;
  if (!args_init(&A, env, info, "softmax", 4)) return NULL;
  long m = size_arg(&A, 1, "m"), c = size_arg(&A, 2, "c");
  const float *z = f32(&A, 0, (size_t)(m * c), "z");
  float *probs = f32(&A, 3, (size_t)(m * c), "probs");
  if (!A.ok) return NULL;
  state(env)->ops->softmax_rows(z, m, c, probs);
  return undefined(env);
}

/* softmaxCrossEntropy(z, m, c, labels, probs, dz | null) -> mean loss */
static napi_value js_softmax_cross_entropy(napi_env env, napi_callback_info info) {
  args_t A;
  if (!args_init(&A, env, info, "softmaxCrossEntropy", 6)) return NULL;
  long m = size_arg(&A, 1, "m"), c = size_arg(&A, 2, "c");
  const float *z = f32(&A, 0, (size_t)(m * c), "z");
  float *probs = f32(&A, 4, (size_t)(m * c), "probs");
  float *dz = f32_or_null(&A, 5, (size_t)(m * c), "dz");
  if (A.ok && (m < 1 || c < 1)) fail(&A, 1, "z", "must have at least one row and one column");
  const int *y = labels_arg(&A, 3, m, c);
  if (!A.ok) return NULL;
  return number(env, state(env)->ops->softmax_cross_entropy(z, m, c, y, probs, dz));
}

/* sigmoidBinaryCrossEntropy(z, m, labels, probs, dz | null) -> mean loss */
static napi_value js_sigmoid_bce(napi_env env, napi_callback_info info) {
  args_t A;
  if (!args_init(&A, env, info, "sigmoidBinaryCrossEntropy", 5)) return NULL;
  long m = size_arg(&A, 1, "m");
  const float *z = f32(&A, 0, (size_t)m, "z");
  float *probs = f32(&A, 3, (size_t)m, "probs");
  float *dz = f32_or_null(&A, 4, (size_t)m, "dz");
  if (A.ok && m < 1) fail(&A, 1, "z", "must have at least one row");
  const int *y = labels_arg(&A, 2, m, 1);
  if (!A.ok) return NULL;
  return number(env, state(env)->ops->sigmoid_binary_cross_entropy(z, m, y, probs, dz));
}

/* countCorrect(probs, m, c, labels) -> count */
static napi_value js_count_correct(napi_env env, napi_callback_info info) {
  args_t A;
  if (!args_init(&A, env, info, "countCorrect", 4)) return NULL;
  long m = size_arg(&A, 1, "m"), c = size_arg(&A, 2, "c");
  const float *probs = f32(&A, 0, (size_t)(m * c), "probs");
  const int *y = (const int *)typed(&A, 3, napi_int32_array, (size_t)m, "labels", 0);
  if (A.ok && c < 1) fail(&A, 1, "probs", "must have at least one column");
  if (!A.ok) return NULL;
  return number(env, (double)state(env)->ops->count_correct(probs, m, c, y));
}

/* multiply(a, mask, out, n) */
static napi_value js_multiply(napi_env env, napi_callback_info info) {
  args_t A;
  if (!args_init(&A, env, info, "multiply", 4)) return NULL;
  long n = size_arg(&A, 3, "n");
  const float *a = f32(&A, 0, (size_t)n, "a"), *mask = f32(&A, 1, (size_t)n, "mask");
  float *out = f32(&A, 2, (size_t)n, "out");
  if (!A.ok) return NULL;
  state(env)->ops->multiply(a, mask, out, n);
  return undefined(env);
}

/* Optimizer steps run over w.length; g and the state slots must be at least as long. */
static long param_length(args_t *A) {
  if (!A->ok) return 0;
  size_t length;
  napi_typedarray_type type;
  if (napi_get_typedarray_info(A->env, A->argv[0], &type, &length, NULL, NULL, NULL) != napi_ok ||
      type != napi_float32_array) {
    fail(A, 0, "w", "must be a Float32Array");
    return 0;
  }
  return (long)length;
}

/* sgdStep(w, g, lr, weightDecay) */
static napi_value js_sgd_step(napi_env env, napi_callback_info info) {
  args_t A;
  if (!args_init(&A, env, info, "sgdStep", 4)) return NULL;
  long n = param_length(&A);
  float *w = f32(&A, 0, (size_t)n, "w");
  const float *g = f32(&A, 1, (size_t)n, "g");
  double lr = num(&A, 2, "lr"), wd = num(&A, 3, "weightDecay");
  if (!A.ok) return NULL;
  state(env)->ops->sgd_step(w, g, n, lr, wd);
  return undefined(env);
}

/* momentumStep(w, g, v, lr, beta, weightDecay) */
static napi_value js_momentum_step(napi_env env, napi_callback_info info) {
  args_t A;
  if (!args_init(&A, env, info, "momentumStep", 6)) return NULL;
  long n = param_length(&A);
  float *w = f32(&A, 0, (size_t)n, "w");
  const float *g = f32(&A, 1, (size_t)n, "g");
  float *v = f32(&A, 2, (size_t)n, "v");
  double lr = num(&A, 3, "lr"), beta = num(&A, 4, "beta"), wd = num(&A, 5, "weightDecay");
  if (!A.ok) return NULL;
  state(env)->ops->momentum_step(w, g, v, n, lr, beta, wd);
  return undefined(env);
}

/* rmspropStep(w, g, s, lr, beta, eps, weightDecay) */
static napi_value js_rmsprop_step(napi_env env, napi_callback_info info) {
  args_t A;
  if (!args_init(&A, env, info, "rmspropStep", 7)) return NULL;
  long n = param_length(&A);
  float *w = f32(&A, 0, (size_t)n, "w");
  const float *g = f32(&A, 1, (size_t)n, "g");
  float *s = f32(&A, 2, (size_t)n, "s");
  double lr = num(&A, 3, "lr"), beta = num(&A, 4, "beta"), eps = num(&A, 5, "eps"), wd = num(&A, 6, "weightDecay");
  if (!A.ok) return NULL;
  state(env)->ops->rmsprop_step(w, g, s, n, lr, beta, eps, wd);
  return undefined(env);
}

/* adamStep(w, g, v, s, lr, beta1, beta2, eps, t, weightDecay) */
static napi_value js_adam_step(napi_env env, napi_callback_info info) {
  args_t A;
  if (!args_init(&A, env, info, "adamStep", 10)) return NULL;
  long n = param_length(&A);
  float *w = f32(&A, 0, (size_t)n, "w");
  const float *g = f32(&A, 1, (size_t)n, "g");
  float *v = f32(&A, 2, (size_t)n, "v"), *s = f32(&A, 3, (size_t)n, "s");
  double lr = num(&A, 4, "lr"), b1 = num(&A, 5, "beta1"), b2 = num(&A, 6, "beta2"), eps = num(&A, 7, "eps");
  double t = num(&A, 8, "t"), wd = num(&A, 9, "weightDecay");
  if (!A.ok) return NULL;
  state(env)->ops->adam_step(w, g, v, s, n, lr, b1, b2, eps, t, wd);
  return undefined(env);
}

static napi_value string(napi_env env, const char *s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

/* info() -> { kernel, kernels: [...supported, best first], cpuFeatures: [...] } */
static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  int count;
  const gemm_kernel *const *kernels = gemm_kernels_supported(&count);
  napi_value result, list, features;
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "kernel", string(env, gemm_kernel_name(state(env)->kernel)));
  napi_create_array_with_length(env, (size_t)count, &list);
  for (int i = 0; i < count; i++) napi_set_element(env, list, (uint32_t)i, string(env, gemm_kernel_name(kernels[i])));
  napi_set_named_property(env, result, "kernels", list);
  napi_create_array(env, &features);
  uint32_t n = 0;
  for (const char *p = cpu_features(); *p;) {
    size_t len = strcspn(p, ",");
    napi_value name;
    napi_create_string_utf8(env, p, len, &name);
    napi_set_element(env, features, n++, name);
    p += len + (p[len] == ',');
  }
  napi_set_named_property(env, result, "cpuFeatures", features);
  return result;
}

static const gemm_kernel *kernel_named(const char *name) {
  int count;
  const gemm_kernel *const *kernels = gemm_kernels_supported(&count);
  for (int i = 0; i < count; i++)
    if (strcmp(gemm_kernel_name(kernels[i]), name) == 0) return kernels[i];
  return NULL;
}

/* setKernel(name) -> true, or false when this CPU cannot run it. For tests and benchmarks. */
static napi_value js_set_kernel(napi_env env, napi_callback_info info) {
  args_t A;
  if (!args_init(&A, env, info, "setKernel", 1)) return NULL;
  char name[32] = "";
  size_t len;
  if (napi_get_value_string_utf8(env, A.argv[0], name, sizeof name, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "caviar native setKernel: name must be a string");
    return NULL;
  }
  const gemm_kernel *k = kernel_named(name);
  if (k) {
    state(env)->kernel = k;
    state(env)->ops = ops_named(name);
  }
  napi_value result;
  napi_get_boolean(env, k != NULL, &result);
  return result;
}

static void finalize_state(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  state_t *st = (state_t *)data;
  gemm_scratch_free(&st->scratch);
  free(st);
}

NAPI_MODULE_INIT() {
  state_t *st = (state_t *)calloc(1, sizeof(state_t));
  if (!st) {
    napi_throw_error(env, NULL, "caviar native: out of memory");
    return NULL;
  }
  int count;
  st->kernel = gemm_kernels_supported(&count)[0];
  /* CAVIAR_NATIVE_KERNEL=avx2 (or portable) picks a lesser kernel, for comparisons. */
  const char *wanted = getenv("CAVIAR_NATIVE_KERNEL");
  if (wanted && *wanted && kernel_named(wanted)) st->kernel = kernel_named(wanted);
  st->ops = ops_named(gemm_kernel_name(st->kernel));
  napi_set_instance_data(env, st, finalize_state, NULL);

  static const struct {
    const char *name;
    napi_callback fn;
  } methods[] = {
      {"gemm", js_gemm},
      {"addRowVector", js_add_row_vector},
      {"sumRows", js_sum_rows},
      {"activationForward", js_activation_forward},
      {"activationBackward", js_activation_backward},
      {"batchNormTrain", js_batch_norm_train},
      {"batchNormEval", js_batch_norm_eval},
      {"batchNormBackward", js_batch_norm_backward},
      {"softmax", js_softmax},
      {"softmaxCrossEntropy", js_softmax_cross_entropy},
      {"sigmoidBinaryCrossEntropy", js_sigmoid_bce},
      {"countCorrect", js_count_correct},
      {"multiply", js_multiply},
      {"sgdStep", js_sgd_step},
      {"momentumStep", js_momentum_step},
      {"rmspropStep", js_rmsprop_step},
      {"adamStep", js_adam_step},
      {"info", js_info},
      {"setKernel", js_set_kernel},
  };
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
    napi_value fn;
    napi_create_function(env, methods[i].name, NAPI_AUTO_LENGTH, methods[i].fn, NULL, &fn);
    napi_set_named_property(env, exports, methods[i].name, fn);
  }
  return exports;
}
