# numpy's BLAS on the three matrix-product forms of bench/gemm.ts, 128x784x256, float32,
# one JSON line per form, plus the BLAS kernel that ran. Run with the OpenBLAS env of docs/BENCHMARKS.md:
#   OPENBLAS_CORETYPE=SkylakeX LD_LIBRARY_PATH=<OpenBLAS 0.3.21 pthread dir> OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/gemm_numpy.py
import ctypes, json, time, numpy as np

def blas_kernel():
    """OpenBLAS's core name when OpenBLAS is loaded (threadpoolctl if present), else 'unknown'."""
    try:
        import threadpoolctl
        info = [i for i in threadpoolctl.threadpool_info() if i.get('internal_api') == 'openblas']
        if info: return f"openblas {info[0].get('version')} {info[0].get('architecture')}"
    except ImportError:
        pass
    try:
        lib = ctypes.CDLL('libopenblas.so.0')
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        return f"{lib.openblas_get_config().decode()} core {lib.openblas_get_corename().decode()}"
    except (OSError, AttributeError):
        return 'unknown (OpenBLAS not loaded)'

if __name__ == '__main__':
    m, k, n = 128, 784, 256
    rng = np.random.default_rng(1)
    X = rng.standard_normal((m, k), dtype=np.float32); W = rng.standard_normal((n, k), dtype=np.float32)
    dZ = rng.standard_normal((m, n), dtype=np.float32)
    forms = [('X W^T', lambda: X @ W.T), ('dZ^T X', lambda: dZ.T @ X), ('dZ W', lambda: dZ @ W)]
    kernel = blas_kernel()
    for form, run in forms:
        for _ in range(5): run()
        reps = 0; start = time.perf_counter(); cpu = time.process_time()
        while time.perf_counter() - start < 1.0: run(); reps += 1
        seconds = time.perf_counter() - start; cpu = time.process_time() - cpu
        print(json.dumps({'system': 'numpy', 'backend': 'openblas', 'form': form, 'm': m, 'k': k, 'n': n,
                          'gflops': 2 * m * n * k * reps / seconds / 1e9, 'cpuGflops': 2 * m * n * k * reps / cpu / 1e9,
                          'kernel': kernel}))
