# numpy's BLAS on the three matrix-product forms of bench/gemm.ts, 128x784x256, float32,
# one JSON line per form, with the BLAS that ran (bench/blas_info.py). As npm run bench runs it:
#   OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/gemm_numpy.py
import json, os, sys, time, numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blas_info import blas_in_use, describe

if __name__ == '__main__':
    m, k, n = 128, 784, 256
    rng = np.random.default_rng(1)
    X = rng.standard_normal((m, k), dtype=np.float32); W = rng.standard_normal((n, k), dtype=np.float32)
    dZ = rng.standard_normal((m, n), dtype=np.float32)
    forms = [('X W^T', lambda: X @ W.T), ('dZ^T X', lambda: dZ.T @ X), ('dZ W', lambda: dZ @ W)]
    run_first = forms[0][1]; run_first()  # numpy loads its BLAS at the first product
    blas = blas_in_use('numpy'); kernel = describe(blas)
    for form, run in forms:
        for _ in range(5): run()
        reps = 0; start = time.perf_counter(); cpu = time.process_time()
        while time.perf_counter() - start < 1.0: run(); reps += 1
        seconds = time.perf_counter() - start; cpu = time.process_time() - cpu
        print(json.dumps({'system': 'numpy', 'backend': blas['kind'], 'form': form, 'm': m, 'k': k, 'n': n,
                          'gflops': 2 * m * n * k * reps / seconds / 1e9, 'cpuGflops': 2 * m * n * k * reps / cpu / 1e9,
                          'kernel': kernel}))
