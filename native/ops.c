/*
 * The element-wise kernels (ops_impl.h), compiled once per instruction set
 * so a single binary uses AVX-512 or AVX2 where the CPU has them.
 */
#include "caviar.h"

#include <math.h>
#include <string.h>

#define OPS_TARGET
#define OPS(name) name##_portable
#define OPS_NAME "portable"
#include "ops_impl.h"
#undef OPS_TARGET
#undef OPS
#undef OPS_NAME

#if defined(__x86_64__) || defined(__i386__)
#define OPS_TARGET __attribute__((target("avx2,fma")))
#define OPS(name) name##_avx2
#define OPS_NAME "avx2"
#include "ops_impl.h"
#undef OPS_TARGET
#undef OPS
#undef OPS_NAME

#define OPS_TARGET __attribute__((target("avx512f")))
#define OPS(name) name##_avx512
#define OPS_NAME "avx512"
#include "ops_impl.h"
#undef OPS_TARGET
#undef OPS
#undef OPS_NAME
#endif

const ops_table *ops_named(const char *name) {
#if defined(__x86_64__) || defined(__i386__)
  if (strcmp(name, "avx512") == 0) return &table_avx512;
  if (strcmp(name, "avx2") == 0) return &table_avx2;
#endif
  return &table_portable;
}
