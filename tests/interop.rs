//! safetensors interop with NumPy and PyTorch, both directions. The Python half is
//! `tests/interop/interop.py`; the files it made are committed in `tests/interop/data/`, so
//! these tests run without Python. Tolerances for f32 logits are justified in that script's
//! docstring: two libraries' 64- and 32-term f32 dot products, summed in different orders.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tapegrad::nn::io::{
    AnyTensor, LoadOptions, SaveOptions, load_tensors, load_weights_with, save_tensors,
    save_weights_with,
};
use tapegrad::prelude::*;

/// See tests/interop/interop.py: about 1e-5 from the error bound, doubled for two libraries.
const ATOL: f64 = 2e-5;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/interop/data")
        .join(name)
}

fn mlp(seed: u32) -> Sequential<f32> {
    let mut rng = NumpyRng::new(seed);
    sequential![
        Linear::new(64, 32, &mut rng).unwrap(),
        ReLU,
        Linear::new(32, 10, &mut rng).unwrap()
    ]
}

fn bits(t: &AnyTensor) -> Vec<u64> {
    match t {
        AnyTensor::F32(t) => t.to_vec().iter().map(|x| u64::from(x.to_bits())).collect(),
        AnyTensor::F64(t) => t.to_vec().iter().map(|x| x.to_bits()).collect(),
    }
}

#[test]
fn a_file_numpy_wrote_reads_back_bitwise() {
    let tensors = load_tensors(data("numpy_tensors.safetensors")).unwrap();
    let text = std::fs::read_to_string(data("numpy_tensors.json")).unwrap();
    let expected: BTreeMap<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(tensors.len(), expected.len());
    for (name, e) in &expected {
        let t = &tensors[name];
        assert_eq!(t.dtype(), e["dtype"].as_str().unwrap(), "{name}");
        let shape: Vec<usize> = e["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(t.shape(), &shape[..], "{name}");
        let want: Vec<u64> = e["bits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_u64().unwrap())
            .collect();
        assert_eq!(bits(t), want, "{name}");
    }
    // The 0-d and the empty tensor, spelled out.
    assert_eq!(tensors["scalar_f64"].to::<f64>().item().unwrap(), 2.5);
    assert_eq!(tensors["empty_f32"].shape(), &[0, 3]);
}

#[test]
fn a_pytorch_state_dict_loads_and_gives_pytorchs_logits() {
    let mut model = mlp(0);
    let report = load_weights_with(
        &mut model,
        data("torch_mlp.safetensors"),
        &LoadOptions::pytorch(),
    )
    .unwrap();
    assert_eq!(report.loaded, ["0.weight", "0.bias", "2.weight", "2.bias"]);
    let sd = load_tensors(data("torch_mlp.safetensors")).unwrap();
    // torch's weight is [out, in]; ours holds its transpose, element for element.
    let torch_w = sd["0.weight"].to::<f32>();
    assert_eq!(torch_w.shape(), &[32, 64]);
    assert!(model.parameter_values()[0].bitwise_eq(&torch_w.t().unwrap().contiguous()));

    let io = load_tensors(data("torch_mlp_io.safetensors")).unwrap();
    let x = io["x"].clone().into_tensor::<f32>().unwrap();
    let torch_logits = io["logits"].clone().into_tensor::<f32>().unwrap();
    let ours = model.predict(&x).unwrap();
    let diff = ours.max_abs_diff(&torch_logits).unwrap();
    assert!(diff <= ATOL, "max |tapegrad - torch| = {diff}");

    // Without the PyTorch option the shapes are refused, with a pointer to it.
    let e = load_weights_with(
        &mut mlp(0),
        data("torch_mlp.safetensors"),
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("LoadOptions::pytorch()"), "{e}");
}

/// What tapegrad writes for the Python half to read (`interop.py check DIR`).
fn write_for_python(dir: &Path) -> (Sequential<f32>, Tensor<f32>, Tensor<f32>) {
    std::fs::create_dir_all(dir).unwrap();
    let base = Tensor::<f64>::from_fn(&[3, 4], |i| i as f64 / 7.0).unwrap();
    let base32 = Tensor::<f32>::from_fn(&[3, 4], |i| i as f32 / 7.0).unwrap();
    let tensors: Vec<(&str, AnyTensor)> = vec![
        ("base_f64", base.clone().into()),
        ("transposed_f64", base.t().unwrap().into()),
        ("narrowed_f32", base32.narrow(1, 1, 2).unwrap().into()),
        ("scalar_f32", Tensor::<f32>::scalar(-0.0).into()),
        ("empty_f64", Tensor::<f64>::zeros(&[0, 3]).unwrap().into()),
    ];
    let refs: Vec<(&str, &AnyTensor)> = tensors.iter().map(|(n, t)| (*n, t)).collect();
    save_tensors(dir.join("tapegrad_tensors.safetensors"), &refs).unwrap();

    let model = mlp(2026);
    save_weights_with(
        &model,
        dir.join("tapegrad_mlp.safetensors"),
        &SaveOptions::pytorch(),
    )
    .unwrap();
    let x = NumpyRng::new(5).randn_tensor::<f32>(&[8, 64]).unwrap();
    let logits = model.predict(&x).unwrap();
    save_tensors(
        dir.join("tapegrad_mlp_io.safetensors"),
        &[("x", &x), ("logits", &logits)],
    )
    .unwrap();
    (model, x, logits)
}

#[test]
fn a_file_tapegrad_writes_loads_into_pytorch_and_gives_tapegrads_logits() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("interop");
    let (_, _, logits) = write_for_python(&dir);
    // The committed torch results were computed from this very file: tapegrad still writes it
    // byte for byte (run `interop.py check target/tmp/interop --commit-torch` after a change).
    let fresh = std::fs::read(dir.join("tapegrad_mlp.safetensors")).unwrap();
    let committed = std::fs::read(data("tapegrad_mlp.safetensors")).unwrap();
    assert!(
        fresh == committed,
        "tapegrad_mlp.safetensors changed; regenerate the torch results"
    );
    let torch = load_tensors(data("torch_logits_on_tapegrad_mlp.safetensors")).unwrap();
    let torch_logits = torch["logits"].clone().into_tensor::<f32>().unwrap();
    let diff = logits.max_abs_diff(&torch_logits).unwrap();
    assert!(diff <= ATOL, "max |tapegrad - torch| = {diff}");
}

#[test]
fn half_precision_weights_load_when_conversion_is_asked_for() {
    let text = std::fs::read_to_string(data("half.json")).unwrap();
    let widened: BTreeMap<String, BTreeMap<String, Vec<u32>>> =
        serde_json::from_str(&text).unwrap();
    fn layer<T: Float>() -> Sequential<T> {
        sequential![
            Linear::from_tensors(
                Tensor::zeros(&[2, 3]).unwrap(),
                Tensor::zeros(&[3]).unwrap()
            )
            .unwrap()
        ]
    }
    for (dtype, file) in [
        ("F16", "half_f16.safetensors"),
        ("BF16", "half_bf16.safetensors"),
    ] {
        let mut model = layer::<f32>();
        let e = load_weights_with(&mut model, data(file), &LoadOptions::default()).unwrap_err();
        assert!(e.to_string().contains(&format!("holds {dtype}")), "{e}");
        let opts = LoadOptions::default().convert_dtype(true);
        let report = load_weights_with(&mut model, data(file), &opts).unwrap();
        assert_eq!(report.converted, ["0.weight", "0.bias"]);
        // Widening is exact: the f32 bits NumPy (F16) and torch (BF16) give, NaN included.
        for (name, p) in model.named_parameters() {
            let got: Vec<u32> = p.value().to_vec().iter().map(|x| x.to_bits()).collect();
            assert_eq!(got, widened[dtype][&name], "{dtype} {name}");
        }
        // Into an f64 model too (f16 -> f32 -> f64, all exact).
        let mut wide = layer::<f64>();
        load_weights_with(&mut wide, data(file), &opts).unwrap();
        let want: Vec<f64> = widened[dtype]["0.weight"]
            .iter()
            .map(|&b| f64::from(f32::from_bits(b)))
            .collect();
        assert_eq!(wide.parameter_values()[0].to_vec(), want);
    }
}
