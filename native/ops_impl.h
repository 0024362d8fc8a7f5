/*
 * Everything but the matrix products: bias, activations, batch norm, softmax
 * and the losses, dropout's multiply, and the optimizer steps. Each is one
 * pass (or two, where numerical accuracy asks for it) over contiguous memory,
 * written so the compiler vectorizes the inner loop. The formulas are those
 * of src/backend/reference.ts, which documents them.
 *
 * Outputs marked restrict must not overlap the inputs (batch norm, the
 * optimizer steps); the other kernels also work in place.
 *
 * ops.c includes this file once per instruction set, with OPS(name) naming
 * the copy and OPS_TARGET its target attribute, and gathers each copy's
 * functions into an ops_table.
 */

OPS_TARGET static void OPS(add_row_vector)(float *m, long rows, long cols, const float *v) {
  for (long i = 0; i < rows; i++) {
    float *row = m + i * cols;
    for (long j = 0; j < cols; j++) row[j] += v[j];
  }
}

OPS_TARGET static void OPS(sum_rows)(const float *restrict m, long rows, long cols, float *restrict out) {
  for (long j = 0; j < cols; j++) out[j] = 0.0f;
  for (long i = 0; i < rows; i++) {
    const float *row = m + i * cols;
    for (long j = 0; j < cols; j++) out[j] += row[j];
  }
}

OPS_TARGET static inline float OPS(sigmoidf)(float x) {
  /* Split by sign so exp never overflows. */
  if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
  float e = expf(x);
  return e / (1.0f + e);
}

OPS_TARGET static void OPS(activation_forward)(int kind, float slope, const float *z, float *a, long n) {
  switch (kind) {
    case ACT_LINEAR:
      if (a != z)
        for (long i = 0; i < n; i++) a[i] = z[i];
      break;
    case ACT_RELU:
      for (long i = 0; i < n; i++) a[i] = z[i] > 0.0f ? z[i] : 0.0f;
      break;
    case ACT_LEAKY_RELU:
      for (long i = 0; i < n; i++) a[i] = z[i] > 0.0f ? z[i] : slope * z[i];
      break;
    case ACT_TANH:
      for (long i = 0; i < n; i++) a[i] = tanhf(z[i]);
      break;
    case ACT_SIGMOID:
      for (long i = 0; i < n; i++) a[i] = OPS(sigmoidf)(z[i]);
      break;
  }
}

OPS_TARGET static void OPS(activation_backward)(int kind, float slope, const float *z, const float *a, const float *da, float *dz, long n) {
  switch (kind) {
    case ACT_LINEAR:
      if (dz != da)
        for (long i = 0; i < n; i++) dz[i] = da[i];
      break;
    case ACT_RELU:
      for (long i = 0; i < n; i++) {
        float d = da[i]; /* loaded unconditionally, so the select vectorizes instead of branching */
        dz[i] = z[i] > 0.0f ? d : 0.0f;
      }
      break;
    case ACT_LEAKY_RELU:
      for (long i = 0; i < n; i++) {
        float d = da[i];
        dz[i] = z[i] > 0.0f ? d : slope * d;
      }
      break;
    case ACT_TANH:
      for (long i = 0; i < n; i++) dz[i] = da[i] * (1.0f - a[i] * a[i]);
      break;
    case ACT_SIGMOID:
      for (long i = 0; i < n; i++) dz[i] = da[i] * a[i] * (1.0f - a[i]);
      break;
  }
}

OPS_TARGET static void OPS(batch_norm_train)(const float *restrict z, long m, long n, const float *restrict gamma, const float *restrict beta, float eps, float *restrict mean,
                      float *restrict variance, float *restrict inv_std, float *restrict z_hat, float *restrict out) {
  for (long j = 0; j < n; j++) mean[j] = variance[j] = 0.0f;
  for (long i = 0; i < m; i++) {
    const float *row = z + i * n;
    for (long j = 0; j < n; j++) mean[j] += row[j];
  }
  const float inv_m = 1.0f / (float)m;
  for (long j = 0; j < n; j++) mean[j] *= inv_m;
  /* Two passes (mean, then squared deviations) keep the variance accurate in float32. */
  for (long i = 0; i < m; i++) {
    const float *row = z + i * n;
    for (long j = 0; j < n; j++) {
      float d = row[j] - mean[j];
      variance[j] += d * d;
    }
  }
  for (long j = 0; j < n; j++) {
    variance[j] *= inv_m;
    inv_std[j] = 1.0f / sqrtf(variance[j] + eps);
  }
  for (long i = 0; i < m; i++) {
    const float *row = z + i * n;
    float *h = z_hat + i * n, *o = out + i * n;
    for (long j = 0; j < n; j++) {
      float x = (row[j] - mean[j]) * inv_std[j];
      h[j] = x;
      o[j] = gamma[j] * x + beta[j];
    }
  }
}

OPS_TARGET static void OPS(batch_norm_eval)(const float *restrict z, long m, long n, const float *restrict gamma, const float *restrict beta, const float *restrict running_mean,
                     const float *restrict running_var, float eps, float *restrict out) {
  for (long i = 0; i < m; i++) {
    const float *row = z + i * n;
    float *o = out + i * n;
    for (long j = 0; j < n; j++) o[j] = gamma[j] * (row[j] - running_mean[j]) / sqrtf(running_var[j] + eps) + beta[j];
  }
}

OPS_TARGET static void OPS(batch_norm_backward)(const float *restrict d_out, const float *restrict z_hat, long m, long n, const float *restrict gamma,
                         const float *restrict inv_std, float *restrict dz, float *restrict d_gamma, float *restrict d_beta) {
  for (long j = 0; j < n; j++) d_gamma[j] = d_beta[j] = 0.0f;
  for (long i = 0; i < m; i++) {
    const float *g = d_out + i * n, *h = z_hat + i * n;
    for (long j = 0; j < n; j++) {
      d_gamma[j] += g[j] * h[j];
      d_beta[j] += g[j];
    }
  }
  /* dz = gamma invStd / m (m dOut - dBeta - zHat dGamma); the row-independent parts are hoisted. */
  const float fm = (float)m;
  for (long i = 0; i < m; i++) {
    const float *g = d_out + i * n, *h = z_hat + i * n;
    float *o = dz + i * n;
    for (long j = 0; j < n; j++) o[j] = gamma[j] * inv_std[j] * (fm * g[j] - d_beta[j] - h[j] * d_gamma[j]) / fm;
  }
}

/* probs[row] = exp(z[row] - max); returns their sum. */
OPS_TARGET static double OPS(exp_shifted)(const float *z, long c, float *p, float *max_out) {
  float max = -INFINITY;
  for (long j = 0; j < c; j++)
    if (z[j] > max) max = z[j];
  double sum = 0.0;
  for (long j = 0; j < c; j++) {
    p[j] = expf(z[j] - max);
    sum += p[j];
  }
  *max_out = max;
  return sum;
}

OPS_TARGET static void OPS(softmax_rows)(const float *z, long m, long c, float *probs) {
  for (long i = 0; i < m; i++) {
    float max, *p = probs + i * c;
    float inv = (float)(1.0 / OPS(exp_shifted)(z + i * c, c, p, &max));
    for (long j = 0; j < c; j++) p[j] *= inv;
  }
}

OPS_TARGET static double OPS(softmax_cross_entropy)(const float *z, long m, long c, const int *labels, float *probs, float *dz) {
  double loss = 0.0;
  const float inv_m = 1.0f / (float)m;
  for (long i = 0; i < m; i++) {
    const float *zi = z + i * c;
    float max, *p = probs + i * c;
    double sum = OPS(exp_shifted)(zi, c, p, &max);
    int y = labels[i];
    /* -log softmax(z)[y] = log(sum exp(z - max)) - (z[y] - max): no overflow, no log(0). */
    loss += log(sum) - ((double)zi[y] - max);
    float inv = (float)(1.0 / sum);
    for (long j = 0; j < c; j++) p[j] *= inv;
    if (dz) {
      float *d = dz + i * c;
      for (long j = 0; j < c; j++) d[j] = p[j] * inv_m;
      d[y] -= inv_m;
    }
  }
  return loss / (double)m;
}

OPS_TARGET static double OPS(sigmoid_binary_cross_entropy)(const float *z, long m, const int *labels, float *probs, float *dz) {
  double loss = 0.0;
  for (long i = 0; i < m; i++) {
    double x = z[i];
    int y = labels[i];
    /* -[y log s(x) + (1-y) log(1 - s(x))] = max(x, 0) - x y + log(1 + exp(-|x|)). */
    loss += (x > 0 ? x : 0) - x * y + log1p(exp(-fabs(x)));
    probs[i] = OPS(sigmoidf)(z[i]);
    if (dz) dz[i] = (probs[i] - (float)y) / (float)m;
  }
  return loss / (double)m;
}

OPS_TARGET static long OPS(count_correct)(const float *probs, long m, long c, const int *labels) {
  long correct = 0;
  for (long i = 0; i < m; i++) {
    long predicted = 0;
    if (c == 1) predicted = probs[i] >= 0.5f ? 1 : 0;
    else {
      const float *p = probs + i * c;
      for (long j = 1; j < c; j++)
        if (p[j] > p[predicted]) predicted = j;
    }
    if (predicted == labels[i]) correct++;
  }
  return correct;
}

OPS_TARGET static void OPS(multiply)(const float *a, const float *mask, float *out, long n) {
  for (long i = 0; i < n; i++) out[i] = a[i] * mask[i];
}

/* Hyperparameters arrive as doubles; derived constants like 1 - beta are formed in double, then rounded once. */

OPS_TARGET static void OPS(sgd_step)(float *restrict w, const float *restrict g, long n, double lr, double weight_decay) {
  const float rate = (float)lr, decay = (float)weight_decay;
  for (long i = 0; i < n; i++) w[i] -= rate * (g[i] + decay * w[i]);
}

OPS_TARGET static void OPS(momentum_step)(float *restrict w, const float *restrict g, float *restrict v, long n, double lr, double beta, double weight_decay) {
  const float rate = (float)lr, b = (float)beta, one_minus_beta = (float)(1.0 - beta), decay = (float)weight_decay;
  for (long i = 0; i < n; i++) {
    v[i] = b * v[i] + one_minus_beta * (g[i] + decay * w[i]);
    w[i] -= rate * v[i];
  }
}

OPS_TARGET static void OPS(rmsprop_step)(float *restrict w, const float *restrict g, float *restrict s, long n, double lr, double beta, double eps, double weight_decay) {
  const float rate = (float)lr, b = (float)beta, one_minus_beta = (float)(1.0 - beta), e = (float)eps;
  const float decay = (float)weight_decay;
  for (long i = 0; i < n; i++) {
    float gi = g[i] + decay * w[i];
    s[i] = b * s[i] + one_minus_beta * gi * gi;
    w[i] -= rate * gi / (sqrtf(s[i]) + e);
  }
}

OPS_TARGET static void OPS(adam_step)(float *restrict w, const float *restrict g, float *restrict v, float *restrict s, long n, double lr, double beta1, double beta2, double eps,
               double t, double weight_decay) {
  /* lr / (1 - beta1^t) and 1 / (1 - beta2^t): the bias corrections, once per step. */
  const float lr_c1 = (float)(lr / (1.0 - pow(beta1, t)));
  const float inv_c2 = (float)(1.0 / (1.0 - pow(beta2, t)));
  const float b1 = (float)beta1, one_minus_b1 = (float)(1.0 - beta1);
  const float b2 = (float)beta2, one_minus_b2 = (float)(1.0 - beta2);
  const float e = (float)eps, decay = (float)weight_decay;
  for (long i = 0; i < n; i++) {
    float gi = g[i] + decay * w[i];
    float vi = b1 * v[i] + one_minus_b1 * gi;
    float si = b2 * s[i] + one_minus_b2 * gi * gi;
    v[i] = vi;
    s[i] = si;
    w[i] -= lr_c1 * vi / (sqrtf(si * inv_c2) + e);
  }
}

static const ops_table OPS(table) = {
  OPS_NAME,
  OPS(add_row_vector),
  OPS(sum_rows),
  OPS(activation_forward),
  OPS(activation_backward),
  OPS(batch_norm_train),
  OPS(batch_norm_eval),
  OPS(batch_norm_backward),
  OPS(softmax_rows),
  OPS(softmax_cross_entropy),
  OPS(sigmoid_binary_cross_entropy),
  OPS(count_correct),
  OPS(multiply),
  OPS(sgd_step),
  OPS(momentum_step),
  OPS(rmsprop_step),
  OPS(adam_step),
};
