#!/usr/bin/env python3
"""The Python half of tapegrad's safetensors interop tests (the Rust half is tests/interop.rs).

    python3 tests/interop/interop.py make
        Writes the Python-made files in tests/interop/data/ (committed):
        - numpy_tensors.safetensors, by safetensors.numpy.save_file: f32 and f64 tensors with
          special values, a 0-d tensor, an empty [0, 3] tensor; numpy_tensors.json holds their
          bits as NumPy sees them, so the Rust test compares bit for bit;
        - torch_mlp.safetensors, by safetensors.torch.save_file: the state_dict of
          nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)) (torch.manual_seed(0)),
          and torch_mlp_io.safetensors: stored inputs x [8, 64] and PyTorch's logits on them.
        - half_f16.safetensors (NumPy) and half_bf16.safetensors (torch): a Linear(2, 3)'s
          weight and bias in half precision; half.json holds the float32 bits they widen to.
        Needs torch for the torch parts (skipped with a note without it).

    python3 tests/interop/interop.py check DIR [--commit-torch]
        Checks the files tests/interop.rs wrote into DIR (target/tmp/interop):
        - NumPy (always; CI runs this): safetensors.numpy.load_file reads tapegrad's tensors
          with the values they were written with, and tapegrad's PyTorch-layout state_dict
          gives tapegrad's logits when NumPy computes relu(x @ W0.T + b0) @ W2.T + b2;
        - PyTorch (where `import torch` works): the state_dict loads into the nn.Sequential
          with load_state_dict (strict) and gives tapegrad's logits. With --commit-torch,
          PyTorch's logits are written to tests/interop/data/torch_logits_on_tapegrad_mlp.safetensors
          so the Rust test can check this direction without Python.

Tolerances: the logits are f32, a 64-term then a 32-term dot product in each library, summed in
different orders. With terms below 0.5 in magnitude (x ~ N(0, 1) times weights below 1/8), the
usual bound n * eps * sum|terms| (eps = 6e-8) is about 1e-5 for the first layer; we allow 2e-5
absolute. NumPy's reference runs in float64, so its own error is negligible.
"""

import json
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

DATA = Path(__file__).resolve().parent / "data"
ATOL = 2e-5


def numpy_tensors():
    f32 = np.array(
        [1.5, -0.0, np.inf, np.nan, 1e-45, 3.4028235e38], dtype=np.float32
    ).reshape(2, 3)
    # A NaN with a payload, to show bits survive, not just values.
    f32.view(np.uint32)[1, 0] = 0x7FC00123
    f64 = np.array([np.pi, -1e-310, -np.inf, 0.1], dtype=np.float64)
    cube = (np.arange(24, dtype=np.float32) / 7).reshape(2, 3, 4)
    return {
        "f32": f32,
        "f64": f64,
        "cube_f32": cube,
        "scalar_f64": np.array(2.5, dtype=np.float64),
        "empty_f32": np.zeros((0, 3), dtype=np.float32),
    }


def bits(a):
    view = a.view(np.uint32 if a.dtype == np.float32 else np.uint64)
    return [int(b) for b in view.reshape(-1)]


def make():
    DATA.mkdir(parents=True, exist_ok=True)
    tensors = numpy_tensors()
    save_file(tensors, str(DATA / "numpy_tensors.safetensors"))
    expected = {
        name: {
            "dtype": "F32" if a.dtype == np.float32 else "F64",
            "shape": list(a.shape),
            "bits": bits(a),
        }
        for name, a in tensors.items()
    }
    (DATA / "numpy_tensors.json").write_text(json.dumps(expected, indent=1) + "\n")
    print("wrote numpy_tensors.safetensors and numpy_tensors.json")
    # Half precision, as PyTorch often saves weights: F16 from NumPy, BF16 from torch below.
    # The expected values are the float32 bits NumPy (torch) widens them to.
    half = {
        "0.weight": np.array([[1.0, -2.0, 65504.0], [2.0**-24, -0.0, np.inf]], dtype=np.float16),
        "0.bias": np.array([[np.nan, 0.333, 1e-5]], dtype=np.float16),
    }
    save_file(half, str(DATA / "half_f16.safetensors"))
    widened = {"F16": {k: bits(v.astype(np.float32)) for k, v in half.items()}}
    try:
        import torch
    except ImportError:
        print("torch is not installed: torch_mlp and BF16 files not regenerated")
        (DATA / "half.json").write_text(json.dumps(widened, indent=1) + "\n")
        return
    from safetensors.torch import save_file as torch_save

    bf16 = {k: torch.from_numpy(v.astype(np.float32)).to(torch.bfloat16) for k, v in half.items()}
    torch_save(bf16, str(DATA / "half_bf16.safetensors"))
    widened["BF16"] = {k: bits(v.float().numpy()) for k, v in bf16.items()}
    (DATA / "half.json").write_text(json.dumps(widened, indent=1) + "\n")
    print("wrote half_f16.safetensors, half_bf16.safetensors and half.json")

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10)
    )
    x = torch.randn(8, 64)
    with torch.no_grad():
        logits = model(x)
    torch_save(model.state_dict(), str(DATA / "torch_mlp.safetensors"))
    torch_save({"x": x, "logits": logits}, str(DATA / "torch_mlp_io.safetensors"))
    print(f"wrote torch_mlp.safetensors and torch_mlp_io.safetensors (torch {torch.__version__})")


def numpy_logits(sd, x):
    x = x.astype(np.float64)
    w0, b0, w2, b2 = (sd[k].astype(np.float64) for k in ("0.weight", "0.bias", "2.weight", "2.bias"))
    h = np.maximum(x @ w0.T + b0, 0.0)
    return h @ w2.T + b2


def check(out_dir, commit_torch):
    out_dir = Path(out_dir)
    # Tensors tapegrad wrote from formulas both sides know.
    t = load_file(str(out_dir / "tapegrad_tensors.safetensors"))
    base = (np.arange(12, dtype=np.float64) / 7).reshape(3, 4)
    expected = {
        "base_f64": base,
        "transposed_f64": base.T,
        "narrowed_f32": (np.arange(12, dtype=np.float32) / 7).reshape(3, 4)[:, 1:3],
        "scalar_f32": np.array(-0.0, dtype=np.float32),
        "empty_f64": np.zeros((0, 3), dtype=np.float64),
    }
    assert sorted(t) == sorted(expected), sorted(t)
    for name, want in expected.items():
        got = t[name]
        assert got.dtype == want.dtype and got.shape == want.shape, (name, got.dtype, got.shape)
        assert bits(np.ascontiguousarray(want)) == bits(got), name
    print(f"numpy: {len(t)} tapegrad tensors read back bitwise (dtypes, shapes, views)")

    sd = load_file(str(out_dir / "tapegrad_mlp.safetensors"))
    shapes = {k: v.shape for k, v in sd.items()}
    assert shapes == {"0.weight": (32, 64), "0.bias": (32,), "2.weight": (10, 32), "2.bias": (10,)}, shapes
    io = load_file(str(out_dir / "tapegrad_mlp_io.safetensors"))
    ours = io["logits"]
    diff = np.abs(numpy_logits(sd, io["x"]) - ours).max()
    assert diff <= ATOL, diff
    print(f"numpy: tapegrad's state_dict gives tapegrad's logits (max |diff| {diff:.2e})")

    try:
        import torch
    except ImportError:
        print("torch is not installed: the PyTorch direction is checked from committed results")
        return
    from safetensors.torch import load_file as torch_load, save_file as torch_save

    model = torch.nn.Sequential(
        torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10)
    )
    model.load_state_dict(torch_load(str(out_dir / "tapegrad_mlp.safetensors")))  # strict
    with torch.no_grad():
        logits = model(torch.from_numpy(io["x"]))
    diff = (logits - torch.from_numpy(ours)).abs().max().item()
    assert diff <= ATOL, diff
    print(f"torch {torch.__version__}: load_state_dict of tapegrad's file gives tapegrad's logits "
          f"(max |diff| {diff:.2e})")
    if commit_torch:
        torch_save({"logits": logits}, str(DATA / "torch_logits_on_tapegrad_mlp.safetensors"))
        print("wrote torch_logits_on_tapegrad_mlp.safetensors")


if __name__ == "__main__":
    if sys.argv[1:2] == ["make"]:
        make()
    elif sys.argv[1:2] == ["check"] and len(sys.argv) >= 3:
        check(sys.argv[2], "--commit-torch" in sys.argv[3:])
    else:
        sys.exit(__doc__)
