# Which BLAS a module of this Python process (torch, numpy) runs on: the
# library that provides the `sgemm_` its own shared library binds to, found
# by looking the symbol up from that library (as its calls resolve) and
# asking the dynamic linker which file holds it. Debian's libblas.so.3 is an
# alternative that may be OpenBLAS or the reference (netlib) BLAS, about ten
# times slower, so a benchmark must say which one ran.
#
#   /usr/bin/python3 bench/blas_info.py torch   # {"kind": "openblas", "library": "...", "detail": "OpenBLAS 0.3.21 ... core Haswell"}
import ctypes, ctypes.util, os

KINDS = [  # (kind, what the providing library's path contains), first match wins
    ('openblas', 'openblas'), ('mkl', 'libmkl'), ('blis', 'libblis'), ('atlas', 'atlas'), ('reference', 'libblas.so'), ('reference', 'libcblas.so'),
]
# The shared library through which each module calls BLAS.
CONSUMERS = {'torch': 'libtorch_cpu', 'numpy': '_multiarray_umath'}

class DlInfo(ctypes.Structure):
    _fields_ = [('dli_fname', ctypes.c_char_p), ('dli_fbase', ctypes.c_void_p), ('dli_sname', ctypes.c_char_p), ('dli_saddr', ctypes.c_void_p)]

def mapped_libraries():
    """Paths of the shared libraries this process has mapped, in map order, each once."""
    seen = []
    try:
        with open('/proc/self/maps') as maps:
            for line in maps:
                fields = line.split()
                path = fields[5] if len(fields) >= 6 else ''
                if path.startswith('/') and '.so' in path and path not in seen: seen.append(path)
    except OSError:
        pass
    return seen

def provider(consumer_path, symbol='sgemm_'):
    """The file of the `symbol` that the library at consumer_path resolves to, or None."""
    try:
        address = ctypes.cast(getattr(ctypes.CDLL(consumer_path), symbol), ctypes.c_void_p).value
        libc = ctypes.CDLL(ctypes.util.find_library('c'))
        info = DlInfo()
        if address and libc.dladdr(ctypes.c_void_p(address), ctypes.byref(info)): return os.path.realpath(info.dli_fname.decode())
    except (OSError, AttributeError):
        pass
    return None

def classify(path):
    """The kind of BLAS a library file is.

    >>> classify('/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0')
    'reference'
    >>> classify('/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so')
    'openblas'
    """
    for kind, marker in KINDS:
        if marker in os.path.basename(path).lower() or (kind == 'openblas' and marker in path.lower()): return kind
    return 'unknown'

def blas_in_use(module=None):
    """{'kind': 'openblas' | 'mkl' | 'blis' | 'atlas' | 'reference' | 'unknown', 'library': path, 'detail': OpenBLAS's build and core}."""
    libraries = mapped_libraries()
    consumers = [p for p in libraries if module in CONSUMERS and CONSUMERS[module] in os.path.basename(p)]
    path = provider(consumers[0]) if consumers else None
    if path is None:  # no known consumer: the first BLAS-looking library mapped
        path = next((p for p in libraries if classify(p) != 'unknown'), None)
    if path is None: return {'kind': 'unknown', 'library': '', 'detail': 'no BLAS library found'}
    kind = classify(path)
    return {'kind': kind, 'library': path, 'detail': openblas_detail(path) if kind == 'openblas' else ''}

def openblas_detail(path):
    """OpenBLAS's build and the core its dynamic dispatch chose; the library is already loaded, so this loads nothing new."""
    try:
        lib = ctypes.CDLL(path)
        lib.openblas_get_config.restype = ctypes.c_char_p
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return f"{lib.openblas_get_config().decode()} core {lib.openblas_get_corename().decode()}"
    except (OSError, AttributeError):
        return ''

def describe(info):
    """One line for a person: 'OpenBLAS (.../libopenblasp-r0.3.21.so: OpenBLAS 0.3.21 ... core SkylakeX)'."""
    names = {'openblas': 'OpenBLAS', 'mkl': 'MKL', 'blis': 'BLIS', 'atlas': 'ATLAS', 'reference': 'the reference (netlib) BLAS', 'unknown': 'an unknown BLAS'}
    where = ': '.join(x for x in [info['library'], info['detail']] if x)
    return f"{names[info['kind']]}{f' ({where})' if where else ''}"

if __name__ == '__main__':
    import json, sys
    module = sys.argv[1] if len(sys.argv) > 1 else None
    if module: __import__(module)
    print(json.dumps(blas_in_use(module)))
