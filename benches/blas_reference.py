#!/usr/bin/env python3
"""The products of `cargo bench --bench matmul -- blas/` in NumPy (OpenBLAS) and PyTorch (MKL),
timed: the references that docs/performance.md compares tapegrad's GEMM with.

Each product is `a @ b` into a fresh output, as a user writes it (tapegrad's bench times
`Tensor::matmul`, which also allocates its output). Shapes `m x k x n`: the squares 1024^3 and
512^3, the MNIST-sized layer 256x784x128, and that layer's backward products in the layouts a
training step meets them: `x^T @ delta` (784x256x128, `A` stored 256x784 and read transposed)
and `delta @ W^T` (256x128x784, `B` stored 784x128 and read transposed). Transposes are views
(`a.T`), so the BLAS gets a transposed operand, never a copy.

Inputs are the bench's own values (`((i * 37) % 101) / 50 - 1`, row-major, in storage order).
For each product the script reports the minimum and the median over `REPEATS` repeats of the
mean time of one call (`timeit.Timer.autorange` picks the calls per repeat).

usage: python3 benches/blas_reference.py numpy|torch THREADS [DTYPE...]
       (needs numpy, and torch for `torch`; DTYPE is f32 and/or f64, both by default)

Run NumPy and PyTorch in separate processes: importing torch changes NumPy's environment (its
allocator and floating-point state). `OPENBLAS_CORETYPE` and `OPENBLAS_L2_SIZE` are removed
before NumPy loads, so OpenBLAS picks the kernels it would pick for this CPU (some machines pin
an older core type); the kernel it picked is printed. Interleave runs with the Rust bench on a
noisy machine (docs/performance.md shows how).
"""
import os
import sys
import timeit

REPEATS = 15
SHAPES = [  # (name, m, k, n, a_transposed, b_transposed)
    ("1024x1024x1024", 1024, 1024, 1024, False, False),
    ("512x512x512", 512, 512, 512, False, False),
    ("256x784x128", 256, 784, 128, False, False),
    ("784x256x128_at_b", 784, 256, 128, True, False),
    ("256x128x784_a_bt", 256, 128, 784, False, True),
]


def values(rows, cols, np):
    """The bench's inputs: a row-major `rows x cols` matrix."""
    i = np.arange(rows * cols, dtype=np.int64)
    return (((i * 37) % 101) / 50.0 - 1.0).reshape(rows, cols)


def operands(m, k, n, at, bt, np):
    """`a` (m x k) and `b` (k x n), each stored transposed (and viewed back) when asked."""
    a = values(k, m, np).T if at else values(m, k, np)
    b = values(n, k, np).T if bt else values(k, n, np)
    return a, b


def time_it(step):
    timer = timeit.Timer(step)
    number, _ = timer.autorange()
    times = sorted(t / number for t in timer.repeat(repeat=REPEATS, number=number))
    return times[0], times[len(times) // 2]


def run_numpy(threads, dtypes):
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        os.environ.pop(var, None)
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")
    for info in threadpool_info():
        if info.get("user_api") == "blas":
            print(f"numpy {np.__version__}; {info['internal_api']} {info['version']} "
                  f"({info.get('architecture')}), {info['num_threads']} thread(s)")
    for dtype in dtypes:
        for name, m, k, n, at, bt in SHAPES:
            a, b = operands(m, k, n, at, bt, np)
            a, b = a.astype(dtype), b.astype(dtype)  # (order "K": the storage order stays)
            assert a.flags.f_contiguous == at and b.flags.f_contiguous == bt
            report("numpy", name, dtype, time_it(lambda: a @ b))


def run_torch(threads, dtypes):
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    print(f"torch {torch.__version__}; {torch.get_num_threads()} thread(s); "
          f"MKL {torch.backends.mkl.is_available()}")
    for dtype in dtypes:
        tdtype = torch.float32 if dtype == "float32" else torch.float64
        for name, m, k, n, at, bt in SHAPES:
            a, b = operands(m, k, n, at, bt, np)
            a = torch.from_numpy(np.ascontiguousarray(a.T)).to(tdtype).T if at else \
                torch.from_numpy(a).to(tdtype)
            b = torch.from_numpy(np.ascontiguousarray(b.T)).to(tdtype).T if bt else \
                torch.from_numpy(b).to(tdtype)
            report("torch", name, dtype, time_it(lambda: a @ b))


def report(lib, name, dtype, times):
    short = {"float32": "f32", "float64": "f64"}[dtype]
    print(f"blas/{short}/{name} {lib}: min {times[0] * 1e6:.1f} us, median {times[1] * 1e6:.1f} us")


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("numpy", "torch"):
        sys.exit(__doc__)
    threads = int(sys.argv[2])
    dtypes = [{"f32": "float32", "f64": "float64"}[d] for d in sys.argv[3:]] or \
        ["float32", "float64"]
    (run_numpy if sys.argv[1] == "numpy" else run_torch)(threads, dtypes)


if __name__ == "__main__":
    main()
