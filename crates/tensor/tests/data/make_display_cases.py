#!/usr/bin/env python3
"""Writes display_cases.json: what NumPy's str(a) prints for a few hundred float arrays.

It is the reference for crates/tensor/tests/display.rs, which rebuilds each array bit for bit
and checks that `Tensor`'s `Display` prints the same string.

    pip install numpy            # generated with NumPy 2.4.6 (any 2.x should agree)
    python3 make_display_cases.py crates/tensor/tests/data/display_cases.json

`--random N --seed S` changes how many random cases are drawn and from which seed (for a
larger one-off comparison; the committed file uses the defaults).

Each case: "dtype" ("float64" or "float32"), "shape", the elements in row-major order as hex
IEEE bit patterns, either all of them ("data") or a pattern repeated to fill the shape
("cycle", NumPy's np.resize), "opts" (print options that differ from NumPy's defaults:
precision, linewidth, threshold, edgeitems, suppress) and "str", NumPy's output.
"""

import argparse
import json

import numpy as np

DEFAULTS = dict(precision=8, linewidth=75, threshold=1000, edgeitems=3, suppress=False)


def hex_bits(a):
    flat = np.ascontiguousarray(a).ravel()
    if a.dtype == np.float64:
        return ["%016x" % b for b in flat.view(np.uint64)]
    return ["%08x" % b for b in flat.view(np.uint32)]


class Cases:
    def __init__(self):
        self.cases = []

    def add(self, name, a, cycle=None, **opts):
        """Records str(a) under `opts`; `cycle` is the base pattern a was np.resize'd from."""
        assert a.dtype in (np.float32, np.float64)
        assert set(opts) <= set(DEFAULTS), opts
        with np.printoptions(**opts):
            s = str(a)
        case = {"name": name, "dtype": str(a.dtype), "shape": list(a.shape)}
        if cycle is not None:
            assert np.array_equal(np.resize(cycle, a.shape), a, equal_nan=True)
            case["cycle"] = hex_bits(cycle)
        else:
            case["data"] = hex_bits(a)
        case["opts"] = {k: v for k, v in opts.items() if DEFAULTS[k] != v}
        case["str"] = s
        self.cases.append(case)


def as_dtype(values, dtype):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(values, dtype=np.float64).astype(dtype)


SHORT = [0.5, 0.25, 0.1, 0.2, 0.3, 1.5, 2.0, 0.125, 0.75, 10.0, 100.0, 3.0, 0.8, 7.25, 1e-3, 0.05]
SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-324, 2.2250738585072014e-308,
           1.7976931348623157e308, 1e-300, 1e300, 1e-4, 1e8, 1e16]


def random_values(rng, n, dtype):
    """n values of one randomly chosen kind (magnitudes, signs, ints, special values)."""
    kind = rng.choice(["unit", "positive", "normal", "scaled", "logspread", "ints", "bigints",
                       "round", "short", "dyadic", "bits", "pow2", "mixed"])
    sign = rng.choice([-1.0, 1.0], size=n)
    if kind == "unit":
        v = rng.uniform(-1, 1, n)
    elif kind == "positive":
        v = rng.uniform(0, 1, n)
    elif kind == "normal":
        v = rng.standard_normal(n)
    elif kind == "scaled":
        v = rng.standard_normal(n) * 10.0 ** int(rng.integers(-12, 13))
    elif kind == "logspread":
        lo = rng.uniform(-14, 14)
        v = sign * 10.0 ** rng.uniform(lo, lo + rng.uniform(0, 8), n)
    elif kind == "ints":
        v = rng.integers(-1000, 1000, n).astype(float)
    elif kind == "bigints":
        v = rng.integers(-10**9, 10**9, n).astype(float)
    elif kind == "round":
        v = np.round(rng.standard_normal(n) * 10.0 ** int(rng.integers(-2, 5)),
                     int(rng.integers(0, 7)))
    elif kind == "short":
        v = sign * rng.choice(SHORT, size=n)
    elif kind == "dyadic":
        v = rng.integers(-64, 64, n) / 2.0 ** rng.integers(0, 12, n)
    elif kind == "bits":
        if dtype == np.float64:
            return rng.integers(0, 2**64, n, dtype=np.uint64).view(np.float64)
        return rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32).view(np.float32)
    elif kind == "pow2":
        lo, hi = (-1074, 1023) if dtype == np.float64 else (-149, 127)
        e = int(rng.integers(lo, hi))
        v = sign * 2.0 ** np.clip(e + rng.integers(-3, 4, n), lo, hi)
    else:
        v = np.concatenate([random_values(rng, n, dtype) for _ in range(2)])
        v = rng.permutation(v)[:n]
    v = as_dtype(v, dtype)
    if rng.uniform() < 0.15 and n > 0:
        k = int(rng.integers(1, n + 1))
        v[rng.integers(0, n, k)] = as_dtype(rng.choice(SPECIAL, size=k), dtype)
    return v


def random_options(rng):
    opts = {}
    if rng.uniform() < 0.5:
        opts["precision"] = int(rng.integers(0, 11))
    if rng.uniform() < 0.12:
        opts["linewidth"] = int(rng.choice([1, 10, 20, 33, 40, 60, 100, 150]))
    if rng.uniform() < 0.08:
        opts["suppress"] = True
    if rng.uniform() < 0.06:
        opts["threshold"] = int(rng.choice([0, 4, 10, 20]))
        opts["edgeitems"] = int(rng.integers(0, 5))
    return opts


def random_shape(rng):
    r = rng.uniform()
    if r < 0.1:
        return ()
    if r < 0.45:
        return (int(rng.integers(1, 9)),)
    if r < 0.7:
        return tuple(int(d) for d in rng.integers(1, 5, 2))
    if r < 0.8:
        return tuple(int(d) for d in rng.integers(1, 4, 3))
    if r < 0.85:
        return tuple(int(d) for d in rng.integers(1, 3, 4))
    if r < 0.95:  # wide rows that wrap
        return (int(rng.integers(12, 60)),) if rng.uniform() < 0.5 else (2, int(rng.integers(8, 20)))
    return tuple(int(d) for d in rng.integers(0, 3, int(rng.integers(1, 4))))


def curated(c):
    f64, f32 = np.float64, np.float32
    a = lambda v, dt=f64: as_dtype(v, dt)

    # The lesson's printouts (neuron.stdout, xor_seed42.stdout).
    c.add("neuron x", a([0.5, 0.8]))
    c.add("neuron w", a([0.3, -0.1]))
    w1 = [0.24835707650561634, -0.06913215058559233, 0.32384426905034625, 0.7615149282040127,
          -0.11707668736166799, -0.11706847847459027, 0.7896064077536957, 0.3837173645764544]
    c.add("xor W1 rounded", np.round(a(w1).reshape(2, 4), 4))
    c.add("xor W1 precision 4", a(w1).reshape(2, 4), precision=4)

    # Padding, signs, trailing points.
    for v in ([0.0, 1.0], [0.5, 0.25], [1.0, 0.25], [0.25, 1.0], [-1.0], [-0.0], [0.0, -0.0],
              [-0.0, 1.5], [0.0, 0.0], [100.0, -0.5, 3.0], [1.0, 2.0, 3.0], [0.1, 0.2, 0.3],
              [0.1 + 0.2], [1 / 3, 2 / 3], [123456.789, 0.001]):
        for dt in (f64, f32):
            c.add("layout %r" % v, a(v, dt))

    # Non-finite values alone and with numbers, in both notations.
    for v in ([np.nan], [np.inf], [-np.inf], [np.nan, np.inf], [np.nan, -np.inf],
              [np.nan, 1.5], [-np.inf, 0.5], [np.inf, -2.0], [-np.inf, 1e-5], [1e10, np.nan],
              [np.nan, 0.0], [-np.inf, 123.456], [np.inf, -1e-7, 3.0], [-np.nan, 1.0]):
        for dt in (f64, f32):
            c.add("nonfinite %r" % v, a(v, dt))
            c.add("nonfinite %r p0" % v, a(v, dt), precision=0)

    # Where NumPy switches to scientific notation; float32 is compared in float32.
    up = np.nextafter
    for v in ([1e8], [up(1e8, 0)], [99999999.99], [1e6], [up(1e6, 0)], [999999.94],
              [1e-4], [up(1e-4, 0)], [up(1e-4, 1)], [1.0, 1000.0], [1.0, up(1000.0, 2000)],
              [0.001, 1.0], [0.001, up(1.0, 2)], [5e-5, 1.0], [1e-4, 0.1], [0.0, 1e-4],
              [1e7, 1e4], [1e7, up(1e4, 0)], [-1e8, 1.0], [1e300, 1e-300], [5e-324],
              [2.2250738585072014e-308, 1.0], [1.7976931348623157e308], [1e16, 1e-16]):
        for dt in (f64, f32):
            c.add("cutoff %r" % v, a(v, dt))
            c.add("cutoff %r suppress" % v, a(v, dt), suppress=True)
    c.add("f32 1e-4 exactly", np.array([np.float32(1e-4), 1.0], dtype=f32))

    # Rounding at the cutoff: carries, halves, ties between shortest candidates.
    for v in ([0.999999999], [9.9999999996], [0.99999999995], [0.125, 0.375], [2.5, 0.5],
              [0.05, 0.15, 0.25, 0.35], [1.00000000499], [1.000000005], [9.5, 10.5],
              [2097152.25], [1125899906842624.25], [0.30000000000000004], [1e23], [9.999e15]):
        for dt in (f64, f32):
            for p in (0, 1, 2, 8):
                c.add("round %r p%d" % (v, p), a(v, dt), precision=p)

    # Rank 0: NumPy prints the scalar with all its digits, whatever the precision.
    for v in (0.5, -0.0, 0.0, 1e16, 9.999e15, 1e-4, 9.9999e-5, 123.0, np.nan, -np.inf, np.inf,
              1e-5, 1.5e-5, 1e100, 5e-324, 0.1, 1 / 3, 1125899906842624.25, 2097152.25, 1e6,
              999999.9, 1e22, 1.7976931348623157e308, 2.0**-1074, 2.0**-149, 16777217.0):
        for dt in (f64, f32):
            c.add("scalar %r" % v, a(v, dt).reshape(()))
            c.add("scalar %r p3" % v, a(v, dt).reshape(()), precision=3)

    # Empty tensors.
    for shape in ((0,), (2, 0), (0, 3), (2, 0, 3), (1, 0), (0, 0, 0, 0)):
        for dt in (f64, f32):
            c.add("empty %r" % (shape,), np.zeros(shape, dtype=dt))

    # Nesting: newlines, blank lines between blocks.
    c.add("3-D arange", np.arange(24.0).reshape(2, 3, 4))
    c.add("4-D arange", np.arange(16.0).reshape(2, 2, 2, 2) / 8 - 1)
    c.add("5-D ones", np.ones((1, 2, 1, 2, 1)))
    c.add("column", np.arange(4.0).reshape(4, 1) - 1.5)
    c.add("singleton dims", np.full((1, 1, 1), 0.5))

    # Wrapping at the line width.
    c.add("wrap 1-D", np.arange(40.0) * 0.37 - 3)
    c.add("wrap 2-D", (np.arange(60.0) * 1.37 - 30).reshape(3, 20))
    c.add("wrap 3-D", (np.arange(90.0) ** 1.5).reshape(2, 3, 15))
    c.add("wrap sci", np.geomspace(1e-9, 1e9, 25))
    for lw in (1, 5, 10, 20, 30, 74, 76, 120):
        c.add("wrap width %d" % lw, (np.arange(24.0) * 0.31 - 2).reshape(2, 12), linewidth=lw)

    # Summarisation of large tensors, with a few edge counts and thresholds.
    big = [(2000,), (1001,), (40, 30), (11, 11, 11), (2, 3, 200), (3, 1000), (1000, 3),
           (5, 5, 5, 9), (2, 2, 2, 2, 70), (7, 1, 150)]
    rng = np.random.default_rng(7)
    for i, shape in enumerate(big):
        for dt in (f64, f32):
            base = as_dtype(rng.standard_normal(37) * 10.0 ** rng.integers(-3, 4, 37), dt)
            if i % 3 == 0:
                base = as_dtype(np.round(rng.uniform(-5, 5, 37), 3), dt)
            c.add("big %r" % (shape,), np.resize(base, shape), cycle=base)
    for edge in (0, 1, 2, 5):
        base = np.arange(1.0, 38.0) / 8
        c.add("edgeitems %d" % edge, np.resize(base, (30, 40)), cycle=base, edgeitems=edge)
        c.add("edgeitems %d 3-D" % edge, np.resize(base, (4, 5, 6)), cycle=base,
              edgeitems=edge, threshold=10)
    for th in (0, 5, 23, 24):
        c.add("threshold %d" % th, np.arange(24.0).reshape(4, 6) - 11.5, threshold=th)
    base = np.array([1e-7, 0.5, np.nan, -np.inf, 2.0, 3.25])
    c.add("big with nonfinite", np.resize(base, (50, 50)), cycle=base)
    base = np.arange(37.0) * 0.013
    c.add("big wrapped", np.resize(base, (2, 1200)), cycle=base, linewidth=40, edgeitems=6)

    # Powers of two have unequal Dragon4 margins: print them past their shortest digits.
    for e in range(-149, 128, 3):
        c.add("f32 pow2 %d" % e, as_dtype([2.0**e, 2.0**e * 1.2345678], f32))
    for e in range(-1074, 1024, 41):
        c.add("f64 pow2 %d" % e, as_dtype([2.0**e, 2.0**e * 1.2345678901], f64), precision=10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--random", type=int, default=380)
    ap.add_argument("--seed", type=int, default=20240601)
    args = ap.parse_args()

    c = Cases()
    curated(c)
    rng = np.random.default_rng(args.seed)
    for i in range(args.random):
        dt = np.float64 if i % 3 else np.float32
        shape = random_shape(rng)
        v = random_values(rng, int(np.prod(shape, dtype=int)), dt).reshape(shape)
        c.add("random %d" % i, v, **random_options(rng))

    with open(args.out, "w") as f:
        f.write('{"numpy": "%s", "cases": [\n' % np.__version__)
        f.write(",\n".join(json.dumps(case, separators=(",", ":")) for case in c.cases))
        f.write("\n]}\n")
    print("%d cases" % len(c.cases))


if __name__ == "__main__":
    main()
