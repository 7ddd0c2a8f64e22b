#!/usr/bin/env python3
"""The training steps of benches/training.rs in PyTorch, timed: the second reference (beside
benches/numpy_reference.py) that docs/performance.md compares tapegrad's steps with.

Each step is what a PyTorch user writes for the same network: `nn.Sequential(Linear, ReLU,
Linear)`, `F.cross_entropy` on the logits (one-hot targets as class probabilities), `backward`,
`optim.SGD(lr=0.1).step()`, with `zero_grad(set_to_none=True)` first. Same shapes and dtypes as
the Rust bench, eager mode on the CPU. Each figure is the median over repeats of the mean time
of one step.

usage: python3 benches/torch_reference.py [THREADS]   (needs torch; THREADS defaults to 1, as
       NumPy's single-threaded reference; pass 2 for the mnist-sized row on two threads)
"""
import sys
import timeit

import numpy as np
import torch
from torch import nn

CASES = [("xor_sized", 4, 2, 4, 1, torch.float64), ("sensors", 240, 2, 16, 3, torch.float64),
         ("digits", 256, 64, 128, 10, torch.float64), ("digits", 256, 64, 128, 10, torch.float32),
         ("mnist_sized", 256, 784, 128, 10, torch.float32)]


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    torch.set_num_threads(threads)
    print(f"torch {torch.__version__}; {torch.get_num_threads()} thread(s)")
    for name, n, d_in, hidden, d_out, dtype in CASES:
        # The same data as the Rust bench and numpy_reference.py (np.random.RandomState(42)).
        rng = np.random.RandomState(42)
        x = torch.from_numpy(rng.randn(n, d_in)).to(dtype)
        y = torch.from_numpy(np.eye(d_out)[[(i * 7) % d_out for i in range(n)]]).to(dtype)
        w1 = torch.from_numpy(rng.randn(d_in, hidden) * 0.3).to(dtype)
        w2 = torch.from_numpy(rng.randn(hidden, d_out) * 0.3).to(dtype)
        model = nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, d_out))
        model = model.to(dtype)
        with torch.no_grad():  # PyTorch stores the weight as [out, in]
            model[0].weight.copy_(w1.T)
            model[0].bias.zero_()
            model[2].weight.copy_(w2.T)
            model[2].bias.zero_()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)

        def step():
            opt.zero_grad(set_to_none=True)
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()

        timer = timeit.Timer(step)
        number, _ = timer.autorange()
        times = sorted(t / number for t in timer.repeat(repeat=7, number=number))
        dname = str(dtype).removeprefix("torch.")
        print(f"train_step/{name} torch {n}x{d_in}-{hidden}-{d_out}/{dname}: "
              f"{times[len(times) // 2] * 1e6:.2f} us")


if __name__ == "__main__":
    main()
