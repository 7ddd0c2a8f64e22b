#!/usr/bin/env python3
"""The lesson's training step in NumPy, timed: the reference that benches/training.rs's
`manual` and `autograd` steps are compared with in docs/performance.md.

The step is the sensors program's loop body (matmul, bias add, ReLU, softmax, the manual
backprop, the SGD update), on the same shapes as benches/training.rs. Each figure is the median
over repeats of the mean time of one step; run it right after `cargo bench --bench training`.

usage: python3 benches/numpy_reference.py     (needs numpy)

Threads are OpenBLAS's: `OPENBLAS_NUM_THREADS=1` for the single-threaded reference. Where the
environment pins an older kernel for OpenBLAS (`OPENBLAS_CORETYPE`, `OPENBLAS_L2_SIZE`, set on
some machines because old OpenBLAS builds miscompute on new CPUs), unset both for this command
alone, or NumPy runs a slower kernel than it would pick (docs/performance.md says which ran).
"""
import timeit

import numpy as np

CASES = [("xor_sized", 4, 2, 4, 1, np.float64), ("sensors", 240, 2, 16, 3, np.float64),
         ("digits", 256, 64, 128, 10, np.float64), ("digits", 256, 64, 128, 10, np.float32),
         ("mnist_sized", 256, 784, 128, 10, np.float32)]


def softmax(z):
    exp_z = np.exp(z - np.max(z, axis=1, keepdims=True))
    return exp_z / exp_z.sum(axis=1, keepdims=True)


def main():
    print(f"numpy {np.__version__}; threads as NumPy's BLAS is configured")
    for name, n, d_in, hidden, d_out, dtype in CASES:
        rng = np.random.RandomState(42)
        x = rng.randn(n, d_in).astype(dtype)
        y = np.eye(d_out, dtype=dtype)[[(i * 7) % d_out for i in range(n)]]
        w1 = (rng.randn(d_in, hidden) * 0.3).astype(dtype); b1 = np.zeros((1, hidden), dtype)
        w2 = (rng.randn(hidden, d_out) * 0.3).astype(dtype); b2 = np.zeros((1, d_out), dtype)
        lr = dtype(0.1)

        def step():
            nonlocal w1, b1, w2, b2
            z1 = x @ w1 + b1; a1 = np.maximum(0, z1)
            z2 = a1 @ w2 + b2; a2 = softmax(z2)
            delta2 = (a2 - y) / len(y)
            dw2 = a1.T @ delta2; db2 = np.sum(delta2, axis=0, keepdims=True)
            delta1 = (delta2 @ w2.T) * (z1 > 0).astype(dtype)
            dw1 = x.T @ delta1; db1 = np.sum(delta1, axis=0, keepdims=True)
            w1 -= lr * dw1; b1 -= lr * db1; w2 -= lr * dw2; b2 -= lr * db2

        timer = timeit.Timer(step)
        number, _ = timer.autorange()
        times = sorted(t / number for t in timer.repeat(repeat=7, number=number))
        print(f"train_step/{name} numpy {n}x{d_in}-{hidden}-{d_out}/{np.dtype(dtype).name}: "
              f"{times[len(times) // 2] * 1e6:.2f} us")


if __name__ == "__main__":
    main()
