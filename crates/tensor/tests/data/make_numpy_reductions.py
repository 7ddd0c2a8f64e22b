#!/usr/bin/env python3
"""Writes numpy_reductions.json: random float64 arrays and what NumPy's reductions return for
them, so tests can check that tensor's sums and statistics agree with NumPy's bit for bit.

usage: python3 make_numpy_reductions.py > numpy_reductions.json   (needs numpy; run with 2.4)
"""
import json

import numpy as np

rng = np.random.RandomState(7)
cases = []
for shape in [(5,), (8,), (100,), (129,), (1000,), (4100,), (240, 3), (300, 2), (3, 300), (17, 33)]:
    x = rng.standard_normal(shape) * 10.0 ** rng.randint(-3, 4)
    case = {"shape": list(shape), "data": [float(v) for v in x.ravel()],
            "sum": float(x.sum()), "mean": float(x.mean()), "std": float(x.std()), "var": float(x.var())}
    if x.ndim == 2:
        for ax in (0, 1):
            case[f"sum_axis{ax}"] = [float(v) for v in x.sum(axis=ax)]
            case[f"mean_axis{ax}"] = [float(v) for v in x.mean(axis=ax)]
            case[f"std_axis{ax}"] = [float(v) for v in x.std(axis=ax)]
    cases.append(case)
json.dump({"numpy": np.__version__, "cases": cases}, __import__("sys").stdout)
