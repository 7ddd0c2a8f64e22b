#!/usr/bin/env python3
"""Minimum and median time per iteration of criterion benches, from the samples criterion keeps
in `target/criterion/<group>/<function>/<value>/new/sample.json`: the figures
`benches/blas_reference.py` prints for NumPy and PyTorch, for tapegrad's side of the table.

usage: python3 benches/criterion_summary.py [PATTERN]   (a regular expression searched in the
       bench ids, e.g. `blas/f32/.*/2_threads`; default: everything)
"""
import json
import pathlib
import re
import sys


def main():
    pattern = re.compile(sys.argv[1] if len(sys.argv) > 1 else "")
    root = pathlib.Path("target/criterion")
    for sample in sorted(root.glob("**/new/sample.json")):
        bench = json.loads((sample.parent / "benchmark.json").read_text())
        if not pattern.search(bench["full_id"]):
            continue
        data = json.loads(sample.read_text())
        times = sorted(t / n for t, n in zip(data["times"], data["iters"]))
        print(f"{bench['full_id']}: min {times[0] / 1e3:.1f} us, "
              f"median {times[len(times) // 2] / 1e3:.1f} us")


if __name__ == "__main__":
    main()
